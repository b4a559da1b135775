/**
 * The Node HTTP server settings every test server here uses, as the adapter READMEs and the example
 * servers recommend: they cut slow headers and slow requests at the server, before any middleware runs.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerTimeouts {
  /** Time to receive a request's headers (slow headers: Node answers 408 and closes). */
  headersTimeout: number;
  /** Time to receive a whole request; above the receiver's `bodyTimeoutMs`, so that its JSON 408 comes first. */
  requestTimeout: number;
  /** How often Node checks the two timeouts above (only settable when the server is created). */
  connectionsCheckingInterval: number;
}

/** The example servers' settings. */
export const SERVER_TIMEOUTS: ServerTimeouts = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listen on a free loopback port; `close` also ends the connections still open (a slow client's). */
export async function listenOnLoopback(server: Server, path: string): Promise<RunningServer> {
  if (!server.listening) {
    if (server.address() === null) server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
