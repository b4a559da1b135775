import { createServer } from 'node:http';
import { createReceiver } from '@presence-webhooks/core';
import { createApp } from './app.js';

const key = process.env.ABLY_KEY;
if (key === undefined) {
  console.error('Set ABLY_KEY to the API key your Ably webhook rule signs with (appId.keyId:keySecret).');
  process.exit(1);
}
// Optional: PUBNUB_WEBHOOK_SECRET accepts PubNub webhooks too; READ_TOKEN turns on the read endpoint
// (GET /webhooks/channels/:channel/members with Authorization: Bearer <READ_TOKEN>), which the
// simulator (`presence-webhooks simulate --read-token`) uses to compare the set with the truth.
const pubnubSecret = process.env.PUBNUB_WEBHOOK_SECRET;
const readToken = process.env.READ_TOKEN;
const receiver = createReceiver({
  ably: { keys: [key] },
  ...(pubnubSecret === undefined ? {} : { pubnub: { secret: pubnubSecret } }),
  ...(readToken === undefined ? {} : { readEndpoint: { token: readToken } }),
});
receiver.on('join', (e) => console.log(`${e.member.clientId} joined ${e.channel}`));
receiver.on('leave', (e) => console.log(`${e.member.clientId} left ${e.channel} (${e.reason})`));
receiver.onError((error) => console.error('webhook problem:', error.message));

// Server timeouts (see the adapter README): slow headers are cut after 10 s and a whole request after
// 30 s (above the receiver's 10 s body timeout, so that its JSON 408 comes first), checked every second.
const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }, createApp(receiver));
const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => console.log(`presence webhooks on http://127.0.0.1:${port}/webhooks`));
