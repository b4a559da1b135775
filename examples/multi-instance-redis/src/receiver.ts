/**
 * One receiver instance: Express on its own port, the presence set in the shared Redis.
 * Run several (PORT, INSTANCE) with the same REDIS_URL and PREFIX behind a load balancer:
 * each effective join / update / leave is printed once, by the instance whose delivery made it.
 *
 * Output: one JSON object per line on stdout (events, readiness, idle markers); problems on stderr.
 */
import type { AddressInfo } from 'node:net';
import { createReceiver } from '@presence-webhooks/core';
import type { AckMode, LeaveEvent, UpdateEvent } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import { RedisStore } from '@presence-webhooks/redis';
import express from 'express';
import { DEMO_KEY } from './config.js';

const instance = process.env.INSTANCE ?? `pid-${process.pid}`;
const ack: AckMode = process.env.ACK === 'after-store' ? 'after-store' : 'on-receipt';
const store = new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: process.env.PREFIX ?? 'pw-example' });
const receiver = createReceiver({ ably: { keys: [process.env.ABLY_KEY ?? DEMO_KEY] }, store, ack });

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ instance, ...line })}\n`);
for (const name of ['join', 'update', 'leave'] as const) {
  receiver.on(name, (e) => {
    const { clientId, connectionId, timestamp } = e.member;
    print({
      event: name,
      channel: e.channel,
      clientId,
      connectionId,
      timestamp,
      data: e.data,
      ...(name === 'leave' ? { reason: (e as LeaveEvent).reason } : {}),
      ...(name === 'update' ? { previous: (e as UpdateEvent).previous.timestamp } : {}),
    });
  });
}
receiver.onError((error) => process.stderr.write(`[${instance}] ${error.message}\n`));

const app = express();
app.use('/webhooks', presenceWebhooks(receiver));
// For the demo and the tests: answers once every accepted delivery is applied and its events printed.
app.get('/idle', async (req, res) => {
  await receiver.idle();
  print({ idle: String(req.query.marker ?? '') });
  res.json({ idle: true });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  print({ listening: (server.address() as AddressInfo).port, ack });
});

const shutdown = () => {
  server.close(() => {
    void store.close().then(() => process.exit(0));
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
