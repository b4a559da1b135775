// A receiver in a process of its own, for the heap tests: Express on a free loopback port, the Ably
// key from argv[2], MemoryStore, on-receipt. Prints {"port":N} once listening. GET /heap answers the
// heap used after a full GC (run with --expose-gc) once every delivery is applied.
import { createServer } from 'node:http';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';

const receiver = createReceiver({ ably: { keys: [process.argv[2]] }, onError: () => undefined });
const app = express();
app.get('/heap', async (_req, res) => {
  await receiver.idle();
  globalThis.gc?.();
  const members = (await receiver.store.members('amplified')).length;
  res.json({ heapUsed: process.memoryUsage().heapUsed, members });
});
app.use('/webhooks', presenceWebhooks(receiver));
const server = createServer(app).listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
