// One benchmark server, run as a child process of ingest.mjs (so the load generator does not
// share its event loop):   node ingest-server.mjs <express|koa|fastify> <bare|presence>
//
// bare:     the framework's route on /webhooks that reads the raw body (raw-body with the
//           receiver's limit on Express and Koa; Fastify's own buffer parser, as the adapter does)
//           and answers 200 with a small JSON body, written the way the adapter writes its answer.
// floor:    the bare route that also does the work no receiver can skip: checks the body's HMAC
//           signature (constant-time) and JSON.parses it. Its throughput is the ceiling for any
//           receiver that verifies and decodes before answering.
// presence: the same framework with presenceWebhooks + a receiver on MemoryStore, with listeners on
//           join / update / leave (so changes are turned into events, as in an application).
//
// Talks to its parent over IPC: sends { port } once listening; answers 'stats' with what it handled.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import getRawBody from 'raw-body';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { BENCH_KEY } from './bench-key.mjs';

const [framework, variant] = process.argv.slice(2);
const LIMIT = 5 * 1024 * 1024;
const ANSWER = '{"ok":true}';
const HEADERS = { 'content-type': 'application/json; charset=utf-8' };

const stats = { requests: 0, bytes: 0, join: 0, update: 0, leave: 0, errors: 0 };
let receiver;
if (variant === 'presence') {
  receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore(), onError: () => void stats.errors++ });
  receiver.on('join', () => void stats.join++);
  receiver.on('update', () => void stats.update++);
  receiver.on('leave', () => void stats.leave++);
} else if (variant !== 'bare' && variant !== 'floor') {
  throw new Error(`unknown variant ${variant}`);
}

const secret = createSecretKey(Buffer.from(BENCH_KEY.slice(BENCH_KEY.indexOf(':') + 1)));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the bare route does with the bytes: nothing (bare), or verify and parse them (floor). */
function work(req, body) {
  stats.requests++;
  stats.bytes += body.length;
  if (variant !== 'floor') return;
  const signature = Buffer.from(String(req.headers['x-ably-signature']), 'base64');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) throw new Error('bad signature');
  if (!Array.isArray(JSON.parse(utf8.decode(body)).items)) throw new Error('not a batch');
}

function readRaw(req) {
  const length = req.headers['content-length'];
  return getRawBody(req, { limit: LIMIT, length: length === undefined ? null : length });
}

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  if (receiver !== undefined) {
    const { presenceWebhooks } = await import('@presence-webhooks/express');
    app.use('/webhooks', presenceWebhooks(receiver));
  } else {
    app.use('/webhooks', (req, res, next) => {
      readRaw(req).then((body) => {
        work(req, body);
        res.statusCode = 200;
        for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
        res.setHeader('content-length', Buffer.byteLength(ANSWER));
        res.end(ANSWER);
      }, next);
    });
  }
  return createServer(app);
}

async function koaApp() {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  if (receiver !== undefined) {
    const { presenceWebhooks } = await import('@presence-webhooks/koa');
    app.use(presenceWebhooks(receiver, { path: '/webhooks' }));
  } else {
    app.use(async (ctx, next) => {
      if (ctx.path !== '/webhooks' && ctx.path !== '/webhooks/') return next();
      const body = await readRaw(ctx.req);
      work(ctx.req, body);
      ctx.status = 200;
      ctx.set(HEADERS);
      ctx.body = ANSWER;
    });
  }
  return createServer(app.callback());
}

async function fastifyApp() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (receiver !== undefined) {
    const { presenceWebhooks } = await import('@presence-webhooks/fastify');
    app.register(presenceWebhooks, { receiver, prefix: '/webhooks' });
  } else {
    app.register(
      async (instance) => {
        instance.removeAllContentTypeParsers();
        instance.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        instance.all('/', { bodyLimit: LIMIT }, async (request, reply) => {
          work(request.raw, request.body);
          reply.removeHeader('connection');
          return reply.code(200).headers(HEADERS).send(ANSWER);
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
  if (receiver !== undefined) {
    const { presenceWebhooks } = await import('@presence-webhooks/hono');
    app.use('/webhooks/*', presenceWebhooks(receiver));
  } else {
    app.all('/webhooks', async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer());
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

let mark = { cpu: process.cpuUsage(), at: process.hrtime.bigint() };
process.on('message', async (message) => {
  if (message === 'mark') mark = { cpu: process.cpuUsage(), at: process.hrtime.bigint() };
  if (message === 'stats') {
    // CPU this process used since the mark, as a share of one core (taken before waiting for idle).
    const cpu = process.cpuUsage(mark.cpu);
    const cpuShare = (cpu.user + cpu.system) / (Number(process.hrtime.bigint() - mark.at) / 1e3);
    if (receiver !== undefined) await receiver.idle();
    const held = receiver === undefined ? 0 : receiver.store.size;
    process.send({ stats: { ...stats, cpuShare: Math.round(cpuShare * 100) / 100, cpuMicros: cpu.user + cpu.system, sysMicros: cpu.system, held, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) } });
  }
});
process.on('disconnect', () => process.exit(0));
