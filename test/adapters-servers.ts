/**
 * Real servers for the adapter conformance suite: one factory per framework and major version,
 * each mounting the adapter created from receiver options (its `.receiver` is what the suite checks).
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser as koaBodyParser } from '@koa/bodyparser';
import { presenceWebhooks as expressWebhooks } from '@presence-webhooks/express';
import { EXPRESS_HINT } from '../packages/express/src/middleware.js';
import { KOA_HINT } from '../packages/koa/src/middleware.js';
import { presenceWebhooks as fastifyWebhooks } from '@presence-webhooks/fastify';
import { presenceWebhooks as koaWebhooks } from '@presence-webhooks/koa';
import type { AdapterFactory, AdapterServer } from '@presence-webhooks/testing/conformance';
import express5 from 'express';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import Koa3 from 'koa';

const require = createRequire(import.meta.url);
/** Express 4 and Koa 2 through their npm aliases (CommonJS; their types are those of the current majors). */
export const express4 = require('express4') as typeof express5;
export const Koa2 = require('koa2') as typeof Koa3;

async function listening(server: Server, path: string): Promise<{ url: string; close(): Promise<void> }> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${path}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function expressFactory(lib: typeof express5): AdapterFactory {
  return async (options, { bodyParser }) => {
    const app = lib();
    if (bodyParser) app.use(lib.json());
    const middleware = expressWebhooks(options);
    app.use('/webhooks', middleware);
    return { receiver: middleware.receiver, bodyConsumedHint: EXPRESS_HINT, ...(await listening(app.listen(0, '127.0.0.1'), '/webhooks')) };
  };
}

export function koaFactory(Lib: typeof Koa3): AdapterFactory {
  return async (options, { bodyParser }) => {
    const app = new Lib();
    if (bodyParser) app.use(koaBodyParser());
    const middleware = koaWebhooks(options, { path: '/webhooks' });
    app.use(middleware);
    return { receiver: middleware.receiver, bodyConsumedHint: KOA_HINT, ...(await listening(app.listen(0, '127.0.0.1'), '/webhooks')) };
  };
}

type FastifyLib = typeof fastify5;

/**
 * Fastify: with `bodyParser`, the application gets its own JSON parser at the root (a user's
 * parser replacing Fastify's), which the encapsulated plugin must not see.
 */
export function fastifyFactory(lib: FastifyLib): AdapterFactory {
  return async (options, { bodyParser }): Promise<AdapterServer> => {
    const app = lib();
    if (bodyParser) {
      app.removeContentTypeParser('application/json');
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => done(null, { parsedByTheApp: text }));
    }
    const plugin = fastifyWebhooks(options);
    await app.register(plugin, { prefix: '/webhooks' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { receiver: plugin.receiver, ...(await listening(app.server, '/webhooks')), close: () => app.close() };
  };
}

export const FRAMEWORKS: readonly { name: string; factory: AdapterFactory; parserFirst: 'body_consumed' | 'raw_body_available' }[] = [
  { name: 'Express 5', factory: expressFactory(express5), parserFirst: 'body_consumed' },
  { name: 'Express 4', factory: expressFactory(express4), parserFirst: 'body_consumed' },
  { name: 'Koa 3', factory: koaFactory(Koa3), parserFirst: 'raw_body_available' },
  { name: 'Koa 2', factory: koaFactory(Koa2), parserFirst: 'raw_body_available' },
  { name: 'Fastify 5', factory: fastifyFactory(fastify5), parserFirst: 'raw_body_available' },
  { name: 'Fastify 4', factory: fastifyFactory(fastify4 as unknown as FastifyLib), parserFirst: 'raw_body_available' },
];
