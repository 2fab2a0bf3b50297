/** A small HTTP client for the platform's API through the gateway (used by seeding and the demo). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(
      `${what}: HTTP ${status} ${typeof body === 'object' && body !== null ? String((body as { message?: unknown }).message ?? '') : String(body)}`,
    );
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export class PlatformClient {
  constructor(readonly baseUrl: string) {}

  async call<T>(
    path: string,
    opts: CallOptions = {},
  ): Promise<{ status: number; data: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(this.baseUrl + path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await r.text();
    let data: unknown = text;
    try {
      data = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, data: data as T, headers: r.headers };
  }

  /** Like call, but a non-2xx answer throws ApiCallError. */
  async ok<T>(path: string, opts: CallOptions = {}): Promise<T> {
    const r = await this.call<T>(path, opts);
    if (r.status < 200 || r.status > 299)
      throw new ApiCallError(r.status, r.data, `${opts.method ?? 'GET'} ${path}`);
    return r.data;
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.ok<{ accessToken: string }>('/api/auth/login', {
      method: 'POST',
      body: { email, password },
    });
    return r.accessToken;
  }
}

/** Lists come back as `{items, total}` or as an array. */
export function itemsOf<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  const o = data as { items?: unknown } | undefined;
  return Array.isArray(o?.items) ? (o.items as T[]) : [];
}
