// One benchmark server, run as a child process of ingest.mjs (so the load generator does not
// share its event loop):   node ingest-server.mjs <express|koa|fastify> <bare|floor|naive|octokit|presence>
//
// bare:     the framework's route on /webhooks that reads the raw body (raw-body with the
//           receiver's limit on Express and Koa; Fastify's own buffer parser, as the adapter does)
//           and answers 200 with a small JSON body, written the way the adapter writes its answer.
// floor:    the bare route that also does the work no receiver can skip: checks the body's HMAC
//           signature (constant-time) and JSON.parses it. Its throughput is the ceiling for any
//           receiver that verifies and decodes before answering.
// naive:    the floor plus a hand-written presence set: a Map per channel, set on enter / update /
//           present, delete on leave (fast and wrong: no order, no duplicates, no tombstones).
// octokit:  @octokit/webhooks' node middleware (verify + parse + handlers) on the same bodies,
//           signed the way octokit expects (x-hub-signature-256, x-github-event, x-github-delivery);
//           its handler walks the items as the naive one does, without keeping anything.
// presence: the same framework with presenceWebhooks + a receiver on MemoryStore, with listeners on
//           join / update / leave (so changes are turned into events, as in an application).
//           receiver.handle is wrapped to time every call in the server (the in-server handle time).
// handle:   the floor's route handing the bytes to receiver.handle() itself (the same receiver as
//           presence) and writing its answer as the bare route does: core's whole cost with the
//           least HTTP layer a framework allows, so presence ÷ handle is the adapter's own cost.
// candidate: presence with the receiver (createReceiver, MemoryStore) taken from another build of
//           core, BENCH_CORE=<path to its index.js>: to measure a change in a scratch copy against
//           the shipped one in the same run (`benchIngest({ variants, candidateCore })`); or with
//           core and the adapter both from another checkout, BENCH_PACKAGES=<its packages folder>
//           (`benchIngest({ variants, candidateRoot })`: a change to an adapter, A/B in one run).
//
// Talks to its parent over IPC: sends { port } once listening; answers 'stats' with what it handled.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import getRawBody from 'raw-body';
import * as shippedCore from '@presence-webhooks/core';
import { BENCH_KEY, OCTOKIT_SECRET } from './bench-key.mjs';

const [framework, variant] = process.argv.slice(2);
const LIMIT = 5 * 1024 * 1024;
const ANSWER = '{"ok":true}';
const HEADERS = { 'content-type': 'application/json; charset=utf-8' };

const stats = { requests: 0, bytes: 0, join: 0, update: 0, leave: 0, errors: 0 };
const candidatePackages = variant === 'candidate' ? process.env.BENCH_PACKAGES : undefined;
const candidateCore = candidatePackages === undefined ? process.env.BENCH_CORE : `${candidatePackages}/core/dist/index.js`;
const { createReceiver, MemoryStore } = variant === 'candidate' ? await import(candidateCore) : shippedCore;
/** The adapter package for presence / candidate: this checkout's, or the candidate checkout's. */
const adapter = (name) =>
  import(candidatePackages === undefined ? `@presence-webhooks/${name}` : `${candidatePackages}/${name}/dist/index.js`);
let receiver;
/** In-server handle() times (µs), one per request since the mark (a ring of the last 2^20). */
const HANDLE_SLOTS = 1 << 20;
const handleUs = new Float64Array(HANDLE_SLOTS);
/** The same calls timed from the moment the body was read (a lazy body, read by handle() itself, may wait for the network). */
const afterBodyUs = new Float64Array(HANDLE_SLOTS);
let handled = 0;

/** GC pauses since the mark, by kind (minor = scavenge, major = mark-compact), from perf_hooks. */
let gc;
const resetGc = () =>
  (gc = { minor: { count: 0, ms: 0, maxMs: 0 }, major: { count: 0, ms: 0, maxMs: 0 }, other: { count: 0, ms: 0, maxMs: 0 } });
resetGc();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind;
    const slot =
      kind === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? gc.major : gc.other;
    slot.count++;
    slot.ms += entry.duration;
    slot.maxMs = Math.max(slot.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });
if (variant === 'presence' || variant === 'candidate' || variant === 'handle') {
  receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore(), onError: () => void stats.errors++ });
  receiver.on('join', () => void stats.join++);
  receiver.on('update', () => void stats.update++);
  receiver.on('leave', () => void stats.leave++);
  const handle = receiver.handle.bind(receiver);
  // Wall time of every call (process.cpuUsage per call would cost the server several % here).
  const record = (t0, read) => () => {
    const t1 = process.hrtime.bigint();
    const slot = handled++ & (HANDLE_SLOTS - 1);
    handleUs[slot] = Number(t1 - t0) / 1e3;
    afterBodyUs[slot] = Number(t1 - (read.at ?? t0)) / 1e3;
  };
  receiver.handle = (request, options) => {
    const t0 = process.hrtime.bigint();
    const read = { at: undefined };
    const body = request.body;
    const timed =
      typeof body === 'function'
        ? { ...request, body: () => body().then((bytes) => ((read.at = process.hrtime.bigint()), bytes)) }
        : request;
    const answer = handle(timed, options);
    answer.then(record(t0, read), () => undefined);
    return answer;
  };
} else if (!['bare', 'floor', 'naive', 'octokit'].includes(variant)) {
  throw new Error(`unknown variant ${variant}`);
}

/** presence and candidate go through the framework's adapter; handle calls receiver.handle() from the bare route. */
const viaAdapter = variant === 'presence' || variant === 'candidate';

/** The naive handler's presence set: channel -> member key -> the message. */
const naiveSets = new Map();
function naiveApply(batch) {
  for (const item of batch.items) {
    const channel = item.data.channelId;
    let set = naiveSets.get(channel);
    if (set === undefined) naiveSets.set(channel, (set = new Map()));
    for (const message of item.data.presence) {
      const key = `${message.clientId}:${message.connectionId}`;
      if (message.action === 3)
        set.delete(key); // leave
      else set.set(key, message); // enter, update, present
    }
  }
}

let octokitMiddleware;
/** octokit's web-standard middleware, for Hono (Request -> Response). */
let octokitWebMiddleware;
if (variant === 'octokit') {
  const { Webhooks, createNodeMiddleware, createWebMiddleware } = await import('@octokit/webhooks');
  const webhooks = new Webhooks({ secret: OCTOKIT_SECRET });
  webhooks.on('push', ({ payload }) => {
    for (const item of payload.items) stats.join += item.data.presence.length;
  });
  octokitMiddleware = createNodeMiddleware(webhooks, { path: '/webhooks' });
  octokitWebMiddleware = createWebMiddleware(webhooks, { path: '/webhooks' });
}

const secret = createSecretKey(Buffer.from(BENCH_KEY.slice(BENCH_KEY.indexOf(':') + 1)));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the bare route does with the bytes: nothing (bare), or verify and parse them (floor). */
function work(req, body) {
  stats.requests++;
  stats.bytes += body.length;
  if (variant === 'bare') return;
  const signature = Buffer.from(String(req.headers['x-ably-signature']), 'base64');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) throw new Error('bad signature');
  const batch = JSON.parse(utf8.decode(body));
  if (!Array.isArray(batch.items)) throw new Error('not a batch');
  if (variant === 'naive') naiveApply(batch);
}

/** The handle variant: the bytes straight to receiver.handle(), no adapter. */
function handleDirect(req, body) {
  return receiver.handle({ method: 'POST', headers: req.headers, url: '/', body });
}

function readRaw(req) {
  const length = req.headers['content-length'];
  return getRawBody(req, { limit: LIMIT, length: length === undefined ? null : length });
}

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  if (viaAdapter) {
    const { presenceWebhooks } = await adapter('express');
    app.use('/webhooks', presenceWebhooks(receiver));
  } else if (octokitMiddleware !== undefined) {
    app.use(octokitMiddleware);
  } else {
    const write = (res, status, answer) => {
      res.statusCode = status;
      for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
      res.setHeader('content-length', Buffer.byteLength(answer));
      res.end(answer);
    };
    app.use('/webhooks', (req, res, next) => {
      readRaw(req).then((body) => {
        if (receiver === undefined) return write(res, 200, (work(req, body), ANSWER));
        return handleDirect(req, body).then((r) => write(res, r.status, r.body));
      }, next);
    });
  }
  return createServer(app);
}

async function koaApp() {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  if (viaAdapter) {
    const { presenceWebhooks } = await adapter('koa');
    app.use(presenceWebhooks(receiver, { path: '/webhooks' }));
  } else if (octokitMiddleware !== undefined) {
    app.use(async (ctx, next) => {
      ctx.respond = false; // octokit writes the Node response itself
      await octokitMiddleware(ctx.req, ctx.res, next);
    });
  } else {
    app.use(async (ctx, next) => {
      if (ctx.path !== '/webhooks' && ctx.path !== '/webhooks/') return next();
      const body = await readRaw(ctx.req);
      const answer = receiver === undefined ? (work(ctx.req, body), { status: 200, body: ANSWER }) : await handleDirect(ctx.req, body);
      ctx.status = answer.status;
      ctx.set(HEADERS);
      ctx.body = answer.body;
    });
  }
  return createServer(app.callback());
}

async function fastifyApp() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (viaAdapter) {
    const { presenceWebhooks } = await adapter('fastify');
    app.register(presenceWebhooks, { receiver, prefix: '/webhooks' });
  } else {
    app.register(
      async (instance) => {
        instance.removeAllContentTypeParsers();
        instance.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        instance.all('/', { bodyLimit: LIMIT }, async (request, reply) => {
          if (octokitMiddleware !== undefined) {
            // Fastify has read the stream: hand octokit the bytes as `rawBody` (what its getPayload reads).
            request.raw.body = {};
            request.raw.rawBody = request.body;
            reply.hijack();
            await octokitMiddleware(request.raw, reply.raw);
            return;
          }
          const answer =
            receiver === undefined
              ? (work(request.raw, request.body), { status: 200, body: ANSWER })
              : await handleDirect(request.raw, request.body);
          reply.removeHeader('connection');
          return reply.code(answer.status).headers(HEADERS).send(answer.body);
        });
      },
      { prefix: '/webhooks' },
    );
  }
  await app.ready();
  return app.server;
}

/**
 * Hono on @hono/node-server: the bare route reads the body with `arrayBuffer()` (a bare route has
 * no limit to enforce); presence is the Hono middleware, which on Node (no waitUntil) answers once
 * the store committed.
 */
async function honoApp() {
  const { Hono } = await import('hono');
  const { createAdaptorServer } = await import('@hono/node-server');
  const app = new Hono();
  if (viaAdapter) {
    const { presenceWebhooks } = await adapter('hono');
    app.use('/webhooks/*', presenceWebhooks(receiver));
  } else if (octokitWebMiddleware !== undefined) {
    app.all('/webhooks', (c) => octokitWebMiddleware(c.req.raw));
  } else {
    app.all('/webhooks', async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer());
      if (receiver !== undefined) {
        const answer = await receiver.handle({ method: 'POST', headers: Object.fromEntries(c.req.raw.headers), url: '/', body });
        return c.body(answer.body, answer.status, HEADERS);
      }
      work({ headers: { 'x-ably-signature': c.req.header('x-ably-signature') } }, body);
      return c.body(ANSWER, 200, HEADERS);
    });
  }
  return createAdaptorServer({ fetch: app.fetch });
}

const builders = { express: expressApp, koa: koaApp, fastify: fastifyApp, hono: honoApp };
if (builders[framework] === undefined) throw new Error(`unknown framework ${framework}`);
const server = await builders[framework]();
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));

/** Median and p99 of the in-server handle() times since the mark (µs), whole and from the body's arrival, or undefined. */
function handleStats() {
  const n = Math.min(handled, HANDLE_SLOTS);
  if (n === 0) return undefined;
  const xs = handleUs.slice(0, n).sort();
  const ys = afterBodyUs.slice(0, n).sort();
  const at = (zs, q) => Math.round(zs[Math.min(n - 1, Math.floor(q * n))] * 10) / 10;
  return {
    count: handled,
    p50Us: at(xs, 0.5),
    p99Us: at(xs, 0.99),
    p999Us: at(xs, 0.999),
    maxUs: Math.round(xs[n - 1]),
    afterBodyP50Us: at(ys, 0.5),
    afterBodyP99Us: at(ys, 0.99),
  };
}

let mark = { cpu: process.cpuUsage(), at: process.hrtime.bigint() };
process.on('message', async (message) => {
  if (message === 'mark') {
    mark = { cpu: process.cpuUsage(), at: process.hrtime.bigint() };
    handled = 0;
    resetGc();
  }
  if (message === 'stats') {
    // CPU this process used since the mark, as a share of one core (taken before waiting for idle).
    const cpu = process.cpuUsage(mark.cpu);
    const cpuShare = (cpu.user + cpu.system) / (Number(process.hrtime.bigint() - mark.at) / 1e3);
    if (receiver !== undefined) await receiver.idle();
    const held =
      receiver === undefined ? (variant === 'naive' ? [...naiveSets.values()].reduce((n, m) => n + m.size, 0) : 0) : receiver.store.size;
    const round1 = (x) => Math.round(x * 10) / 10;
    const gcOut = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { count: v.count, ms: round1(v.ms), maxMs: round1(v.maxMs) }]));
    process.send({
      stats: {
        ...stats,
        handle: handleStats(),
        gc: gcOut,
        cpuShare: Math.round(cpuShare * 100) / 100,
        cpuMicros: cpu.user + cpu.system,
        sysMicros: cpu.system,
        held,
        rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      },
    });
  }
});
process.on('disconnect', () => process.exit(0));
