import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface WebServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/** Serve a `(request: Request) => Response` function over real HTTP on loopback with @hono/node-server. */
export async function serveFetch(fetch: (request: Request) => Promise<Response> | Response): Promise<WebServer> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
