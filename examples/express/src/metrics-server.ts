/**
 * The Express example with Prometheus metrics at GET /metrics and, with INSPECTOR_TOKEN, the live
 * inspector at /webhooks/inspector.
 *   ABLY_KEY=appId.keyId:secret [PUBNUB_WEBHOOK_SECRET=…] [INSPECTOR_TOKEN=…] node dist/metrics-server.js
 *   curl http://127.0.0.1:3000/metrics
 */
import { createReceiver } from '@presence-webhooks/core';
import { collectPresenceMetrics } from '@presence-webhooks/prometheus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from './app.js';

const key = process.env.ABLY_KEY;
if (key === undefined) {
  console.error('Set ABLY_KEY to the API key your Ably webhook rule signs with (appId.keyId:keySecret).');
  process.exit(1);
}
const pubnubSecret = process.env.PUBNUB_WEBHOOK_SECRET;
const inspectorToken = process.env.INSPECTOR_TOKEN;
const receiver = createReceiver({
  ably: { keys: [key] },
  ...(pubnubSecret === undefined ? {} : { pubnub: { secret: pubnubSecret } }),
  ...(inspectorToken === undefined ? {} : { inspector: { token: inspectorToken } }),
});
receiver.onError((error) => console.error('webhook problem:', error.message));

const registry = new Registry();
collectDefaultMetrics({ register: registry }); // the process's own figures (CPU, memory, event loop)
collectPresenceMetrics(receiver, { registry });

const app = createApp(receiver);
app.get('/metrics', async (_req, res) => {
  res.set('content-type', registry.contentType).send(await registry.metrics());
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => {
  console.log(`presence webhooks on http://127.0.0.1:${port}/webhooks, metrics on http://127.0.0.1:${port}/metrics`);
  if (inspectorToken !== undefined) console.log(`inspector on http://127.0.0.1:${port}/webhooks/inspector`);
});
