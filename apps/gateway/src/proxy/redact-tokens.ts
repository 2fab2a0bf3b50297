/** `?access_token=` (EventSource cannot send headers) must not end up in log files. */
export function redactTokens(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/g, '$1<redacted>');
}
