/**
 * The adapter conformance suite (@presence-webhooks/testing) against the web-standard handler and
 * the Hono middleware, over real HTTP: the same cases and expectations as Express, Koa and Fastify.
 */
import { adapterConformance } from '@presence-webhooks/testing/conformance';
import { describe, it } from 'vitest';
import { WEB_FRAMEWORKS } from './web-servers.js';

for (const framework of WEB_FRAMEWORKS) {
  adapterConformance(framework.name, framework.factory, { describe, it, parserFirst: framework.parserFirst });
}
