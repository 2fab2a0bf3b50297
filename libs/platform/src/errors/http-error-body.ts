import { STATUS_CODES } from 'node:http';

/** The one JSON error shape every service and the gateway answer with. */
export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

export function httpErrorBody(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): HttpErrorBody {
  return { ...extra, statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}
