/**
 * Calls to the gateway's API. Errors keep the platform's JSON body (`{statusCode, error, message, ...}`)
 * so a 412 can show the newer version it carries.
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message || `HTTP ${status}`);
  }
}

export interface ApiResult<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, {
      statusCode: 0,
      error: 'Network error',
      message: 'the gateway cannot be reached',
    });
  }
  const text = await r.text();
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!r.ok) {
    const body =
      typeof data === 'object' && data !== null
        ? (data as ErrorBody)
        : { statusCode: r.status, error: r.statusText, message: String(data ?? r.statusText) };
    throw new ApiError(r.status, body);
  }
  return { data: data as T, status: r.status, headers: r.headers };
}

/** Lists come back as `{items, total}` (paginated) or as a bare array; both are accepted. */
export function itemsOf<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  if (typeof data === 'object' && data !== null) {
    const o = data as { items?: unknown; data?: unknown };
    if (Array.isArray(o.items)) return o.items as T[];
    if (Array.isArray(o.data)) return o.data as T[];
  }
  return [];
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? err.message : `${err.status} ${err.body.message}`;
  return (err as Error).message ?? String(err);
}
