import { createServer } from 'node:http';
import type { ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { createApp } from './app.js';

const { ABLY_KEY, PUBNUB_WEBHOOK_SECRET, READ_TOKEN } = process.env;
if (ABLY_KEY === undefined && PUBNUB_WEBHOOK_SECRET === undefined) {
  console.error(
    'Set ABLY_KEY (the key your Ably webhook rule signs with, appId.keyId:keySecret) and/or PUBNUB_WEBHOOK_SECRET (the shared secret in your PubNub webhook URL or header).',
  );
  process.exit(1);
}
const options: ReceiverOptions = {};
if (ABLY_KEY !== undefined) options.ably = { keys: [ABLY_KEY] };
if (PUBNUB_WEBHOOK_SECRET !== undefined) options.pubnub = { secret: PUBNUB_WEBHOOK_SECRET };
// READ_TOKEN turns on GET /webhooks/channels/:channel/members (Authorization: Bearer <READ_TOKEN>).
if (READ_TOKEN !== undefined) options.readEndpoint = { token: READ_TOKEN };
const receiver = createReceiver(options);
receiver.on('join', (e) => console.log(`${e.member.clientId} joined ${e.channel}`));
receiver.on('leave', (e) => console.log(`${e.member.clientId} left ${e.channel} (${e.reason})`));
receiver.onError((error) => console.error('webhook problem:', error.message));

// Server timeouts (see the adapter README): slow headers are cut after 10 s and a whole request after
// 30 s (above the receiver's 10 s body timeout, so that its JSON 408 comes first), checked every second.
const server = createServer(
  { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
  createApp(receiver).callback(),
);
const port = Number(process.env.PORT ?? 3000);
server.listen(port, () =>
  console.log(`Koa: presence webhooks on http://127.0.0.1:${port}/webhooks, members at /channels/:channel/members`),
);
