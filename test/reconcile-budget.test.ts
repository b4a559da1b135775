/**
 * The reconcile's request budget against a loopback HTTP server: retries (429 with Retry-After,
 * 5xx, network errors), the concurrency bound as the server sees it, the rate's spacing, abort.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestBudget } from '../packages/core/src/rest/budget.js';
import { ResyncError } from '../packages/core/src/rest/resync-error.js';
import { afterEach, describe, expect, it } from 'vitest';

interface Seen {
  path: string;
  at: number;
}

interface Loopback {
  url: string;
  seen: Seen[];
  /** Most requests open at the same time. */
  peakOpen: number;
  close(): Promise<void>;
}

const servers: Loopback[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A server whose handler answers (possibly later); it counts the requests open at once. */
async function loopback(handle: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<Loopback> {
  const seen: Seen[] = [];
  let open = 0;
  const state: Loopback = { url: '', seen, peakOpen: 0, close: async () => {} };
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', at: Date.now() });
    open++;
    state.peakOpen = Math.max(state.peakOpen, open);
    res.on('close', () => void open--);
    handle(req, res, seen.length - 1);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  servers.push(state);
  return state;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const input = (url: string) => ({ provider: 'ably' as const, channel: 'room', url, headers: {}, describeError: () => undefined });

describe('RequestBudget over loopback HTTP', () => {
  it('retries a 429 after its Retry-After, then answers; every request is counted', async () => {
    const server = await loopback((_req, res, i) =>
      i === 0
        ? json(res, 429, { error: { message: 'Rate limit exceeded', code: 42910 } }, { 'retry-after': '1' })
        : json(res, 200, { ok: true }),
    );
    const budget = new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 0 });
    const answer = await budget.fetchJson(input(`${server.url}/x`));
    expect(answer.json).toEqual({ ok: true });
    expect(server.seen).toHaveLength(2);
    expect(budget.spent()).toEqual({ requests: 2, retries: 1, throttled: 1 });
    // A lower bound only (it cannot flake): the retry waited for the second the provider asked for, not the 0 ms backoff.
    expect((server.seen[1] as Seen).at - (server.seen[0] as Seen).at).toBeGreaterThanOrEqual(950);
  });

  it('retries a 503 with backoff, then answers', async () => {
    const server = await loopback((_req, res, i) => (i === 0 ? json(res, 503, { error: { message: 'busy' } }) : json(res, 200, [1])));
    const budget = new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 5 });
    expect((await budget.fetchJson(input(`${server.url}/x`))).json).toEqual([1]);
    expect(budget.spent()).toEqual({ requests: 2, retries: 1, throttled: 0 });
  });

  it('gives up after `retries` retries with the last error, and never retries another 4xx', async () => {
    const failing = await loopback((_req, res) => json(res, 500, {}));
    const budget = new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 1, retries: 2 });
    const error = await budget.fetchJson(input(`${failing.url}/x`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResyncError);
    expect((error as ResyncError).status).toBe(500);
    expect(failing.seen).toHaveLength(3);
    expect(budget.requests).toBe(3);

    const refusing = await loopback((_req, res) => json(res, 401, { error: { message: 'Invalid credentials' } }));
    const other = new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 1 });
    await expect(other.fetchJson(input(`${refusing.url}/x`))).rejects.toMatchObject({ status: 401 });
    expect(refusing.seen).toHaveLength(1);
  });

  it('retries network errors (nothing listening) and counts each attempt', async () => {
    const server = await loopback(() => {});
    const url = server.url;
    await server.close();
    const budget = new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 1, retries: 2 });
    const error = await budget.fetchJson(input(`${url}/x`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResyncError);
    expect((error as ResyncError).status).toBeUndefined();
    expect(budget.requests).toBe(3);
  });

  it('never has more than `concurrency` requests open at once, and starts them in the order asked', async () => {
    // Each answer waits a little, so requests would overlap if the budget let them.
    const server = await loopback((_req, res) => void setTimeout(() => json(res, 200, {}), 15));
    const budget = new RequestBudget({ concurrency: 3, maxRequestsPerSecond: 1000 });
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => budget.fetchJson({ ...input(`${server.url}/${i}`), onSend: () => void started.push(i) })),
    );
    expect(server.peakOpen).toBeGreaterThan(0);
    expect(server.peakOpen).toBeLessThanOrEqual(3);
    // Started in the order asked (the server's arrival order over several connections is not).
    expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(server.seen).toHaveLength(12);
    expect(budget.requests).toBe(12);
  });

  it('spaces the starts to the rate (a lower bound on the span of the starts)', async () => {
    const server = await loopback((_req, res) => json(res, 200, {}));
    const budget = new RequestBudget({ concurrency: 5, maxRequestsPerSecond: 20 });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => budget.fetchJson({ ...input(`${server.url}/${i}`), onSend: () => void starts.push(Date.now()) })),
    );
    // 5 starts at 20/s: 4 gaps of 50 ms at least, whatever the concurrency allows. Taken where the
    // requests start (the server's arrival times also carry connection set-up), less a few ms of
    // timer rounding.
    expect((starts[4] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(190);
    expect(server.seen).toHaveLength(5);
  });

  it('aborts open, queued and sleeping requests on the signal', async () => {
    const server = await loopback(() => {}); // never answers
    const controller = new AbortController();
    // A long timeout: the open requests must end by the abort, not by timing out.
    const budget = new RequestBudget({ concurrency: 2, maxRequestsPerSecond: 1000, timeoutMs: 60_000, signal: controller.signal });
    const all = Promise.allSettled(Array.from({ length: 6 }, (_, i) => budget.fetchJson(input(`${server.url}/${i}`))));
    while (server.seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const results = await all;
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ResyncError);
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/aborted|closed/);
    }
    expect(server.seen).toHaveLength(2);
    expect(budget.requests).toBe(2);
    await expect(budget.fetchJson(input(`${server.url}/late`))).rejects.toThrow(/aborted/);
  });
});
