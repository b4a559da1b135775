/**
 * The web-standard handler called the way serverless platforms call it: with real Request objects
 * and (or without) a `waitUntil`. The acknowledgement order with and without waitUntil, the limits
 * enforced while reading the stream, the mount path, and the Hono middleware's own ways in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { PresenceStore, ReceiverOptions } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { readBody } from '@presence-webhooks/core/node';
import { InFlightBytes } from '../packages/core/src/http/body-read.js';
import { presenceWebhooks as hono } from '@presence-webhooks/hono';
import {
  ablyBatchRequest,
  ablyPresenceItem,
  pubnubEventItem,
  pubnubEventsRequest,
  type BuiltRequest,
} from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { handleWebRequest, presenceWebhooks, readRequestBody } from '@presence-webhooks/web';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { honoFactory, webFactory } from './web-servers.js';
import { RECENT_MS } from './helpers/recent.js';
import { fromAddress } from './helpers/from-address.js';
import { serveFetch } from './helpers/web-server.js';

const options: ReceiverOptions = { ably: { keys: [SUITE_KEY] } };
let n = 0;

function enter(channel: string): BuiltRequest {
  n += 1;
  return ablyBatchRequest(
    [ablyPresenceItem(channel, [{ id: `w${n}:0:0`, clientId: `web-${n}`, connectionId: `w${n}`, action: 2, timestamp: RECENT_MS + n }])],
    { key: SUITE_KEY },
  );
}

function post(url: string, built: BuiltRequest): Request {
  return new Request(url, { method: 'POST', headers: built.headers, body: built.body });
}

/** A MemoryStore whose apply() waits on a gate: `entered` resolves when apply is called, `open()` lets it run. */
function gatedStore(): { store: PresenceStore; entered: Promise<void>; open(): void; applied: () => number } {
  const inner = new MemoryStore();
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  let applied = 0;
  const store: PresenceStore = {
    apply: async (events: readonly PresenceEvent[]) => {
      enter();
      await gate;
      applied += 1;
      return inner.apply(events);
    },
    members: (channel) => inner.members(channel),
    channels: () => inner.channels(),
    occupancy: (channel) => inner.occupancy(channel),
    reportedOccupancy: (channel) => inner.reportedOccupancy(channel),
  };
  return { store, entered, open, applied: () => applied };
}

/** Let every pending callback run (no clock involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A stream of `chunk`-byte chunks: `count` of them (or forever), then it ends (or stays open when `hang`). */
function byteStream(chunk: number, count: number, pulled: { bytes: number; cancelled: boolean }, hang = false): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < count) {
        sent += 1;
        pulled.bytes += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x20));
        return undefined;
      }
      if (!hang) controller.close();
      return hang ? new Promise<void>(() => undefined) : undefined;
    },
    cancel() {
      pulled.cancelled = true;
    },
  });
}

function streamed(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request('http://127.0.0.1/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

async function errorOf(response: Response): Promise<{ status: number; code: unknown }> {
  const body = (await response.json()) as { error?: { code?: unknown } };
  return { status: response.status, code: body.error?.code };
}

describe('web handler: acknowledgement', () => {
  it('with waitUntil (on-receipt): answers 200 before the store is touched, and waitUntil holds the pending application', async () => {
    const gated = gatedStore();
    const handler = presenceWebhooks(createReceiver({ ...options, store: gated.store }));
    const handed: Promise<unknown>[] = [];
    const response = await handler(post('http://127.0.0.1/webhooks', enter('wait-until')), { waitUntil: (p) => void handed.push(p) });
    expect(response.status).toBe(200);
    expect(gated.applied()).toBe(0);
    expect(await handler.receiver.store.members('wait-until')).toEqual([]);
    expect(handed).toHaveLength(1);
    let done = false;
    void handed[0]?.then(() => (done = true));
    await settle();
    expect(done).toBe(false); // the work is still pending: it waits on the store
    gated.open();
    await handed[0];
    expect(gated.applied()).toBe(1);
    expect((await handler.receiver.store.members('wait-until')).map((m) => m.clientId)).toHaveLength(1);
  });

  it("calls the platform's waitUntil as a method of its context (a Workers ctx needs its this)", async () => {
    class ExecutionContext {
      readonly #held: Promise<unknown>[] = [];
      waitUntil(promise: Promise<unknown>): void {
        this.#held.push(promise);
      }
      get held(): number {
        return this.#held.length;
      }
    }
    const ctx = new ExecutionContext();
    const handler = presenceWebhooks(options);
    expect((await handler(post('http://127.0.0.1/webhooks', enter('ctx-this')), ctx)).status).toBe(200);
    expect(ctx.held).toBe(1);
  });

  it('without waitUntil: answers only once the store committed', async () => {
    const gated = gatedStore();
    const handler = presenceWebhooks(createReceiver({ ...options, store: gated.store }));
    let answered = false;
    const pending = handler(post('http://127.0.0.1/webhooks', enter('no-wait-until')), { params: {} } as never).then((r) => {
      answered = true;
      return r;
    });
    await gated.entered;
    await settle();
    expect(answered).toBe(false);
    gated.open();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(gated.applied()).toBe(1);
    expect(await handler.receiver.store.members('no-wait-until')).toHaveLength(1);
  });

  it('without waitUntil: 503 store_failed when the store fails, so the provider retries', async () => {
    const failing = new MemoryStore();
    failing.apply = () => Promise.reject(new Error('store down'));
    const receiver = createReceiver({ ...options, store: failing, retry: { attempts: 1, baseDelayMs: 1 }, onError: () => undefined });
    const response = await presenceWebhooks(receiver)(post('http://127.0.0.1/webhooks', enter('store-down')));
    expect(await errorOf(response)).toEqual({ status: 503, code: 'store_failed' });
  });
});

describe('web handler: limits while reading the stream', () => {
  it('a declared Content-Length over the limit: 413 before a byte is read', async () => {
    const pulled = { bytes: 0, cancelled: false };
    const handler = presenceWebhooks({ ...options, bodyLimit: 1000 });
    const response = await handler(streamed(byteStream(100, 5, pulled), { 'content-length': '1001' }));
    expect(await errorOf(response)).toEqual({ status: 413, code: 'payload_too_large' });
    await settle();
    expect(pulled.bytes).toBeLessThanOrEqual(100); // a stream may pre-pull one chunk; nothing is buffered by the handler
    expect(pulled.cancelled).toBe(true);
  });

  it('an endless body without Content-Length: 413 once past the limit, the stream cancelled', async () => {
    const pulled = { bytes: 0, cancelled: false };
    const handler = presenceWebhooks({ ...options, bodyLimit: 1000 });
    const response = await handler(streamed(byteStream(100, Number.POSITIVE_INFINITY, pulled)));
    expect(await errorOf(response)).toEqual({ status: 413, code: 'payload_too_large' });
    await settle();
    expect(pulled.cancelled).toBe(true);
    expect(pulled.bytes).toBeLessThanOrEqual(1000 + 2 * 100);
    expect(handler.receiver.limits.inFlight.current).toBe(0);
  });

  it('a body that stops arriving: 408 request_timeout after bodyTimeoutMs, the stream cancelled', async () => {
    const pulled = { bytes: 0, cancelled: false };
    const handler = presenceWebhooks({ ...options, bodyTimeoutMs: 50 });
    const response = await handler(streamed(byteStream(10, 1, pulled, true)));
    expect(await errorOf(response)).toEqual({ status: 408, code: 'request_timeout' });
    expect(pulled.cancelled).toBe(true);
    expect(handler.receiver.limits.inFlight.current).toBe(0);
  });

  it('bodies being read past maxInFlightBytes: 503 server_busy with Retry-After; the bytes are released afterwards', async () => {
    const handler = presenceWebhooks({ ...options, bodyLimit: 5000, maxInFlightBytes: 1500, bodyTimeoutMs: 200 });
    const first = { bytes: 0, cancelled: false };
    const slow = handler(streamed(byteStream(1000, 1, first, true))); // holds 1000 bytes, then stalls
    await settle();
    expect(handler.receiver.limits.inFlight.current).toBe(1000);
    const second = { bytes: 0, cancelled: false };
    const busy = await handler(streamed(byteStream(1000, 1, second, true)));
    expect(await errorOf(busy)).toEqual({ status: 503, code: 'server_busy' });
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(second.cancelled).toBe(true);
    expect((await slow).status).toBe(408);
    expect(handler.receiver.limits.inFlight.current).toBe(0);
    expect((await handler(post('http://127.0.0.1/webhooks', enter('after-busy')))).status).toBe(200);
  });

  it('readRequestBody on a Request whose body was already read: body_consumed, and nothing held in flight', async () => {
    const limits = { bodyLimit: 10_000, bodyTimeoutMs: 10_000, inFlight: new InFlightBytes(10_000) };
    for (let i = 0; i < 3; i++) {
      const request = new Request('http://127.0.0.1/webhooks', {
        method: 'POST',
        body: 'x'.repeat(4000),
        headers: { 'content-length': '4000' },
      });
      await request.text();
      await expect(readRequestBody(request, limits)).rejects.toMatchObject({ status: 500, code: 'body_consumed' });
    }
    expect(limits.inFlight.current).toBe(0);
  });

  it('the same read policy as the node layer: a malformed Content-Length and a length mismatch are 400 invalid_body', async () => {
    const node = async (contentLength: string, bytes: number) => {
      const stream = new PassThrough();
      const read = readBody(
        stream,
        { 'content-length': contentLength },
        { bodyLimit: 1000, bodyTimeoutMs: 10_000, inFlight: new InFlightBytes(10_000) },
      );
      stream.end(Buffer.alloc(bytes, 0x20));
      const error = (await read.then(
        () => undefined,
        (e: unknown) => e,
      )) as { status?: number; code?: string } | undefined;
      return { status: error?.status, code: error?.code };
    };
    const handler = presenceWebhooks({ ...options, bodyLimit: 1000 });
    for (const [contentLength, chunks] of [
      ['12abc', 1], // not a number
      ['300', 2], // 200 bytes arrive
      ['100', 2], // 200 bytes arrive
    ] as const) {
      const pulled = { bytes: 0, cancelled: false };
      const response = await handler(streamed(byteStream(100, chunks, pulled), { 'content-length': contentLength }));
      const answer = await errorOf(response);
      expect([contentLength, answer]).toEqual([contentLength, { status: 400, code: 'invalid_body' }]);
      expect([contentLength, answer]).toEqual([contentLength, await node(contentLength, 100 * chunks)]);
      expect(handler.receiver.limits.inFlight.current).toBe(0);
    }
  });

  it('a declared Content-Length is reserved in flight up front: past maxInFlightBytes, 503 before a byte is read', async () => {
    const handler = presenceWebhooks({ ...options, bodyLimit: 5000, maxInFlightBytes: 1500, bodyTimeoutMs: 200 });
    const first = { bytes: 0, cancelled: false };
    const slow = handler(streamed(byteStream(100, 1, first, true), { 'content-length': '1000' })); // declares 1000, sends 100, stalls
    await settle();
    expect(handler.receiver.limits.inFlight.current).toBe(1000);
    const second = { bytes: 0, cancelled: false };
    const busy = await handler(streamed(byteStream(100, 1, second, true), { 'content-length': '1000' }));
    expect(await errorOf(busy)).toEqual({ status: 503, code: 'server_busy' });
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(second.cancelled).toBe(true);
    expect((await slow).status).toBe(408);
    expect(handler.receiver.limits.inFlight.current).toBe(0);
  });

  it('a Request whose body was already read: 500 body_consumed, as core answers', async () => {
    const handler = presenceWebhooks(options);
    const request = post('http://127.0.0.1/webhooks', enter('consumed'));
    await request.text();
    const core = await createReceiver(options).handle({ method: 'POST', headers: {}, body: null, bodyConsumed: true });
    const response = await handler(request);
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 500, body: core.body });
  });
});

describe('over real HTTP (@hono/node-server): a client that stops sending', () => {
  for (const [name, factory] of [
    ['web handler', webFactory],
    ['Hono', honoFactory],
  ] as const) {
    it(`${name}: 408 request_timeout once bodyTimeoutMs passed, nothing applied, the bytes released`, async () => {
      const server = await factory({ ...options, bodyTimeoutMs: 100 }, { bodyParser: false });
      try {
        const built = enter('stalled');
        const answer = await sendHttp(server.url, { headers: built.headers, declaredLength: built.body.byteLength });
        expect([answer.status, (JSON.parse(answer.text) as { error: { code: string } }).error.code]).toEqual([408, 'request_timeout']);
        await server.receiver.idle();
        expect(await server.receiver.store.channels()).toEqual([]);
        expect(server.receiver.limits.inFlight.current).toBe(0);
      } finally {
        await server.close();
      }
    });
  }
});

describe('web handler: mount path', () => {
  it('answers its path and GETs under it (the read endpoint); other paths get a 404 and are not applied', async () => {
    const handler = presenceWebhooks({ ...options, readEndpoint: true }, { path: '/api/webhooks/' });
    expect((await handler(post('http://127.0.0.1/api/webhooks?x=1', enter('mounted')))).status).toBe(200);
    expect((await handler(post('http://127.0.0.1/api/webhooks-other', enter('mounted')))).status).toBe(404);
    expect((await handler(post('http://127.0.0.1/api/webhooks/channels/mounted/members', enter('mounted')))).status).toBe(404);
    const read = await handler(new Request('http://127.0.0.1/api/webhooks/channels/mounted/members'));
    expect(read.status).toBe(200);
    expect(((await read.json()) as { members: unknown[] }).members).toHaveLength(1);
    expect((await handler(new Request('http://127.0.0.1/api/webhooks'))).headers.get('allow')).toBe('POST');
  });

  it('given a receiver, uses it; given options, exposes the one it created', () => {
    const receiver = createReceiver(options);
    expect(presenceWebhooks(receiver).receiver).toBe(receiver);
    expect(presenceWebhooks(options).receiver.limits.bodyLimit).toBe(receiver.limits.bodyLimit);
  });
});

describe('Hono middleware', () => {
  it('inside a sub-app mounted with app.route(): the mount includes the sub-app prefix', async () => {
    const app = new Hono();
    const sub = new Hono();
    const middleware = hono({ ...options, readEndpoint: true });
    sub.use('/webhooks/*', middleware);
    app.route('/api', sub);
    expect((await app.request(post('http://127.0.0.1/api/webhooks', enter('hono-sub')))).status).toBe(200);
    const read = await app.request('http://127.0.0.1/api/webhooks/channels/hono-sub/members');
    expect(((await read.json()) as { members: unknown[] }).members).toHaveLength(1);
  });

  it('app.post(path, middleware) works as well as app.use(path/*)', async () => {
    const app = new Hono();
    const middleware = hono(options);
    app.post('/hooks/presence', middleware);
    expect((await app.request(post('http://127.0.0.1/hooks/presence', enter('hono-post')))).status).toBe(200);
    expect(await middleware.receiver.store.members('hono-post')).toHaveLength(1);
  });

  it('a route with parameters: the mount is taken from the request (read endpoint under it)', async () => {
    const app = new Hono();
    const middleware = hono({ ...options, readEndpoint: true });
    app.use('/tenants/:tenant/webhooks/*', middleware);
    expect((await app.request(post('http://127.0.0.1/tenants/7/webhooks', enter('hono-param')))).status).toBe(200);
    const read = await app.request('http://127.0.0.1/tenants/7/webhooks/channels/hono-param/members');
    expect(read.status).toBe(200);
    expect(((await read.json()) as { members: unknown[] }).members).toHaveLength(1);
  });

  it('uses c.executionCtx.waitUntil when the runtime gives one (answers before the store is touched)', async () => {
    const gated = gatedStore();
    const app = new Hono();
    app.use('/webhooks/*', hono(createReceiver({ ...options, store: gated.store })));
    const held: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void held.push(p), passThroughOnException: () => undefined, props: {} };
    const response = await app.fetch(post('http://127.0.0.1/webhooks', enter('hono-ctx')), {}, ctx);
    expect(response.status).toBe(200);
    expect([held.length, gated.applied()]).toEqual([1, 0]);
    gated.open();
    await held[0];
    expect(gated.applied()).toBe(1);
  });

  it('bytes an earlier middleware read with c.req.arrayBuffer() are used as they are (200)', async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      await c.req.arrayBuffer();
      await next();
    });
    const middleware = hono(options);
    app.use('/webhooks/*', middleware);
    expect((await app.request(post('http://127.0.0.1/webhooks', enter('hono-cached')))).status).toBe(200);
    expect(await middleware.receiver.store.members('hono-cached')).toHaveLength(1);
  });
});

describe("handleWebRequest: the readBody option (how the Hono middleware reads Node's request)", () => {
  it('reads the body with readBody for a POST, and never for a GET or when rawBody is given', async () => {
    const receiver = createReceiver(options);
    const built = enter('read-body-option');
    let calls = 0;
    const readBody = (): Promise<Uint8Array> => {
      calls += 1;
      return Promise.resolve(built.body);
    };
    // The Request's own body is empty: only readBody can give the signed bytes.
    const request = new Request('http://127.0.0.1/webhooks', { method: 'POST', headers: built.headers, body: '' });
    expect((await handleWebRequest(receiver, request, { readBody })).status).toBe(200);
    expect(calls).toBe(1);
    expect(await receiver.store.members('read-body-option')).toHaveLength(1);

    const get = new Request('http://127.0.0.1/webhooks');
    expect((await handleWebRequest(receiver, get, { readBody })).status).toBe(405);
    const again = enter('read-body-raw');
    const withRaw = new Request('http://127.0.0.1/webhooks', { method: 'POST', headers: again.headers, body: '' });
    expect((await handleWebRequest(receiver, withRaw, { rawBody: again.body, readBody })).status).toBe(200);
    expect(calls).toBe(1);
    await receiver.close();
  });

  it('Hono on @hono/node-server: a body an earlier middleware started to stream is not read from Node again (500 body_consumed)', async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      c.req.raw.body?.getReader(); // takes the stream, reads nothing
      await next();
    });
    const middleware = hono(options);
    app.use('/webhooks/*', middleware);
    const server = await serveFetch(app.fetch);
    try {
      const answer = await sendHttp(`${server.base}/webhooks`, enter('hono-locked'));
      expect(answer.status).toBe(500);
      expect((JSON.parse(answer.text) as { error: { code: string } }).error.code).toBe('body_consumed');
      expect(await middleware.receiver.store.members('hono-locked')).toHaveLength(0);
    } finally {
      await server.close();
      await middleware.receiver.close();
    }
  });
});

describe('runtime neutrality', () => {
  it('the web and Hono packages use no Node-only module or global (node:*, Buffer, process)', () => {
    for (const pkg of ['web', 'hono']) {
      const dir = new URL(`../packages/${pkg}/src/`, import.meta.url);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        const source = readFileSync(new URL(file, dir), 'utf8');
        expect(source, `${pkg}/src/${file}`).not.toMatch(/from 'node:|require\(|\bBuffer\b|\bprocess\./);
      }
    }
  });
});

describe('wrong secrets are throttled per client address on the web side too (over real HTTP, @hono/node-server)', () => {
  const SECRET = 'web-throttle-pubnub-secret-0123456789';
  const join = (userId: string) =>
    pubnubEventsRequest('join', [pubnubEventItem({ id: userId, channel: 'room', userId, timestampMs: RECENT_MS, occupancy: 1 })]);
  /** 22 wrong ?secret= guesses from one address, then the right secret from it and from another. */
  async function guesses(
    url: string,
    guesser: string,
    other: string,
  ): Promise<{ statuses: number[]; guesserRight: number; other: number }> {
    const post = (address: string, secret: string, userId: string) =>
      fromAddress(address, `${url}?secret=${secret}`, { method: 'POST', headers: join(userId).headers, body: join(userId).body });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await post(guesser, `guess-${i}`, `g${i}`)).status);
    return { statuses, guesserRight: (await post(guesser, SECRET, 'bob')).status, other: (await post(other, SECRET, 'alice')).status };
  }
  const servers: [string, (receiver: ReturnType<typeof createReceiver>) => (request: Request) => Promise<Response> | Response][] = [
    ['web handler (the address @hono/node-server hands it)', (receiver) => presenceWebhooks(receiver, { path: '/webhooks' })],
    [
      'Hono (the address in c.env)',
      (receiver) => {
        const app = new Hono();
        app.use('/webhooks/*', hono(receiver));
        return app.fetch;
      },
    ],
  ];
  for (const [name, make] of servers) {
    it(`${name}: 429 for the guessing address; PubNub at another address is accepted`, async () => {
      const receiver = createReceiver({ pubnub: { secret: SECRET } });
      const server = await serveFetch(make(receiver));
      try {
        const got = await guesses(`${server.base}/webhooks`, '127.0.0.6', '127.0.0.7');
        expect(got.statuses).toEqual([...Array(20).fill(401), 429, 429]);
        expect(got.guesserRight).toBe(429);
        expect(got.other).toBe(200);
        await receiver.idle();
        expect((await receiver.store.members('room')).map((m) => m.clientId)).toEqual(['alice']);
      } finally {
        await server.close();
        await receiver.close();
      }
    });
  }

  it('a clientAddress that throws counts as no address: the request is answered as without one, not with a 500', async () => {
    const receiver = createReceiver({ pubnub: { secret: SECRET } });
    const handler = presenceWebhooks(receiver, {
      clientAddress: () => {
        throw new Error('no header here');
      },
    });
    const server = await serveFetch(handler);
    try {
      const wrong = join('g0');
      expect((await fromAddress('127.0.0.9', `${server.base}/?secret=wrong`, { method: 'POST', ...wrong })).status).toBe(401);
      const right = join('alice');
      expect((await fromAddress('127.0.0.9', `${server.base}/?secret=${SECRET}`, { method: 'POST', ...right })).status).toBe(200);
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it("clientAddress: a trusted proxy's header names the client (all requests come from one proxy address)", async () => {
    const receiver = createReceiver({ pubnub: { secret: SECRET } });
    const handler = presenceWebhooks(receiver, { clientAddress: (request) => request.headers.get('x-client-ip') ?? undefined });
    const server = await serveFetch(handler);
    const post = (client: string, secret: string, userId: string) =>
      fromAddress('127.0.0.8', `${server.base}/?secret=${secret}`, {
        method: 'POST',
        headers: { ...join(userId).headers, 'x-client-ip': client },
        body: join(userId).body,
      });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await post('203.0.113.9', `guess-${i}`, `g${i}`)).status);
      expect(statuses.at(-1)).toBe(429);
      expect((await post('198.51.100.4', SECRET, 'alice')).status).toBe(200);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
