import { serve } from '@hono/node-server';
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

const port = Number(process.env.PORT ?? 3000);
// On Node there is no waitUntil: each webhook is answered once the store committed it.
serve({ fetch: createApp(receiver).fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) =>
  console.log(`Hono: presence webhooks on http://127.0.0.1:${info.port}/webhooks, members at /channels/:channel/members`),
);
