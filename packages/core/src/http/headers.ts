/** Request headers as Node gives them (lower-case names) or as a plain record. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One header value by lower-case name; the first when repeated. */
export function getHeader(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[0];
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(headers: RequestHeaders): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(getHeader(headers, 'authorization') ?? '');
  return match?.[1];
}
