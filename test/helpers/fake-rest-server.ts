import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server saw. */
export interface SeenRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * A loopback HTTP server answering JSON from a route function, with a gate: `hold()` parks the
 * answers of the requests that arrive from then on (their bodies computed at arrival, as a real
 * snapshot is) until `release()`.
 */
export interface FakeRestServer {
  url: string;
  requests: SeenRequest[];
  /** Park answers from now on; resolves `arrived` with each parked request. */
  hold(): void;
  /** Send every parked answer and stop parking. */
  release(): void;
  /** The most requests that were open (arrived, not yet answered) at the same time. */
  peakOpen(): number;
  /** Resolves once `count` requests in total have arrived. */
  arrived(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeRest(route: (request: SeenRequest) => FakeAnswer): Promise<FakeRestServer> {
  const requests: SeenRequest[] = [];
  let holding = false;
  let parked: (() => void)[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  let open = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    open++;
    peak = Math.max(peak, open);
    res.on('close', () => void open--);
    const seen: SeenRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://fake.invalid'), headers: req.headers };
    requests.push(seen);
    waiters = waiters.filter((w) => (requests.length >= w.count ? void w.resolve() : true));
    const answer = route(seen);
    const send = () => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    };
    if (holding) parked.push(send);
    else send();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    peakOpen: () => peak,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      for (const send of parked.splice(0)) send();
    },
    arrived: (count) => (requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => {
      for (const send of parked.splice(0)) send();
      parked = [];
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
