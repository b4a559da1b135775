/**
 * Real servers for the adapter conformance suite on the web-standard side: the bare web handler
 * and the Hono middleware, each served over real HTTP by @hono/node-server. Their "body parser
 * mounted first" is what such apps do by mistake: read the Request's body (`request.text()`,
 * `c.req.json()`) before the webhook handler.
 */
import { presenceWebhooks as honoWebhooks } from '@presence-webhooks/hono';
import type { AdapterFactory } from '@presence-webhooks/testing/conformance';
import { presenceWebhooks as webWebhooks } from '@presence-webhooks/web';
import { Hono } from 'hono';
import { serveFetch } from './helpers/web-server.js';

function isJson(request: Request): boolean {
  return /^application\/json/i.test(request.headers.get('content-type') ?? '');
}

export const webFactory: AdapterFactory = async (options, { bodyParser }) => {
  const handler = webWebhooks(options, { path: '/webhooks' });
  const server = await serveFetch(async (request) => {
    if (bodyParser && isJson(request)) await request.text();
    return handler(request);
  });
  return { receiver: handler.receiver, url: `${server.base}/webhooks`, close: server.close };
};

export const honoFactory: AdapterFactory = async (options, { bodyParser }) => {
  const app = new Hono();
  if (bodyParser) {
    app.use('*', async (c, next) => {
      if (isJson(c.req.raw)) await c.req.json().catch(() => undefined);
      await next();
    });
  }
  const middleware = honoWebhooks(options);
  app.use('/webhooks/*', middleware);
  app.get('/app', (c) => c.text('app'));
  const server = await serveFetch(app.fetch);
  return { receiver: middleware.receiver, url: `${server.base}/webhooks`, close: server.close };
};

export const WEB_FRAMEWORKS = [
  { name: 'web handler (@hono/node-server)', factory: webFactory, parserFirst: 'body_consumed' },
  { name: 'Hono 4 middleware (@hono/node-server)', factory: honoFactory, parserFirst: 'body_consumed' },
] as const;
