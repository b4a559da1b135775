/**
 * The client's address that a runtime hands a fetch handler beside the `Request` (a `Request` carries none):
 * Deno's `info.remoteAddr`, Bun's `server.requestIP(request)`, @hono/node-server's `incoming` socket.
 * Never a header: any client can send `X-Forwarded-For`. Behind a proxy you trust, read its header with the
 * `clientAddress` option instead.
 */
export function runtimeClientAddress(request: Request, context: unknown): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const given = context as {
    remoteAddr?: { hostname?: unknown };
    requestIP?: unknown;
    incoming?: { socket?: { remoteAddress?: unknown } };
  };
  const deno = given.remoteAddr?.hostname;
  if (typeof deno === 'string') return deno;
  if (typeof given.requestIP === 'function') {
    try {
      const bun = (given as { requestIP(request: Request): { address?: unknown } | null }).requestIP(request)?.address;
      return typeof bun === 'string' ? bun : undefined;
    } catch {
      return undefined;
    }
  }
  const node = given.incoming?.socket?.remoteAddress;
  return typeof node === 'string' ? node : undefined;
}

/** `read()`, or undefined when it throws or answers something other than a non-empty string (no address known). */
export function addressOrNone(read: () => unknown): string | undefined {
  try {
    const address = read();
    return typeof address === 'string' && address !== '' ? address : undefined;
  } catch {
    return undefined;
  }
}
