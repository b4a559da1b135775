import type { Receiver, ReceiverOptions, WebhookResponse } from '@presence-webhooks/core';
import { createReceiver, isReceiver, WebhookError } from '@presence-webhooks/core';
import { errorResponse, mountRelativeUrl } from '@presence-webhooks/core/adapter';
import { handleNodeRequest, readBody, responseHeaders, sendNodeResponse } from '@presence-webhooks/core/node';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** The plugin's register options: a receiver, or the options to create one (plus Fastify's own `prefix`). */
export interface PresenceWebhooksOptions extends Partial<ReceiverOptions> {
  receiver?: Receiver;
  prefix?: string;
}

/** The plugin `presenceWebhooks(receiverOrOptions)` returns, with the receiver it uses. */
export type PresenceWebhooksPlugin = FastifyPluginAsync<{ prefix?: string }> & { readonly receiver: Receiver };

/** `presenceWebhooks`: a plugin to register as it is, or a function that makes one bound to a receiver. */
export interface PresenceWebhooks {
  (receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksPlugin;
  (instance: FastifyInstance, options: PresenceWebhooksOptions): Promise<void>;
}

/**
 * fastify-plugin's metadata: Fastify checks the version range at registration, and `encapsulate`
 * keeps the plugin in its own context, so its catch-all content-type parser and error handler
 * never reach the application's routes.
 */
const meta = () => ({ name: '@presence-webhooks/fastify', fastify: '4.x || 5.x', encapsulate: true });

/** Options Fastify's `register` itself reads; never receiver options. */
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

function receiverFrom(options: PresenceWebhooksOptions): Receiver {
  if (options.receiver !== undefined) {
    if (!isReceiver(options.receiver)) throw new TypeError('presenceWebhooks: `receiver` must come from createReceiver()');
    return options.receiver;
  }
  const receiverOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) if (!REGISTER_OPTIONS.has(name)) receiverOptions[name] = value;
  return createReceiver(receiverOptions as ReceiverOptions);
}

function send(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  if (response.stream !== undefined) {
    // A streaming answer (the inspector's events) is written by core/node, not by Fastify.
    reply.hijack();
    sendNodeResponse(reply.raw, response);
    return reply;
  }
  // Fastify marks a parser failure `connection: close`; only an answer whose read was cut short keeps it (as on every framework).
  reply.removeHeader('connection');
  return reply.code(response.status).headers(responseHeaders(response)).send(response.body);
}

/** Fastify refused the request before the handler: answer what core answers for the same request. */
async function answerRefusal(
  receiver: Receiver,
  prefix: string,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const code = typeof error.code === 'string' ? error.code : '';
  if (!code.startsWith('FST_ERR_CTP_') && code !== 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE') throw error;
  if (request.method !== 'POST' || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Nothing was read: core answers 405 (not POST) or reads the body itself (its limits, then 415).
    return send(reply, await handleNodeRequest(receiver, request.raw, { url: relativeUrl(request, prefix), remoteAddress: request.ip }));
  }
  return send(reply, errorResponse(new WebhookError(400, 'invalid_body', `The body could not be read: ${error.message}`)));
}

/** The URL relative to the prefix. The route matched, so only a router option (case-insensitive) can make the helper miss it. */
function relativeUrl(request: FastifyRequest, prefix: string): string {
  const url = request.raw.url ?? '/';
  return mountRelativeUrl(url, prefix) ?? url;
}

type LazyBody = () => Promise<Uint8Array>;

/** What the plugin's parser left: a lazy body (a POST with a body), or undefined (Node reads `req` itself). */
function lazyBodyOf(parsed: unknown): LazyBody | undefined {
  return typeof parsed === 'function' ? (parsed as LazyBody) : undefined;
}

/**
 * The webhook routes, in the plugin's own encapsulated context. One catch-all parser hands every
 * content type of a POST to core as a lazy body (read under the receiver's body limit, body timeout
 * and in-flight cap, as on Express and Koa), so core alone answers 405 / 413 / 415 / 400 / 408 / 503;
 * the application's parsers and routes outside the plugin are untouched.
 */
async function mount(instance: FastifyInstance, receiver: Receiver): Promise<void> {
  const prefix = instance.prefix;
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (request, payload, done) => {
    // Anything but a POST is answered 405 unread (Node discards the body), as on every framework.
    if (request.method !== 'POST') return done(null, undefined);
    // A lazy body: the receiver reads it (and answers a refused read) as on Express and Koa.
    const read: LazyBody = () => readBody(payload, request.headers, receiver.limits);
    done(null, read);
  });
  instance.setErrorHandler((error: FastifyError, request, reply) => answerRefusal(receiver, prefix, error, request, reply));
  const answer = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    // `remoteAddress`: request.ip honours Fastify's `trustProxy` (behind a proxy, the client's address, not the proxy's).
    handleNodeRequest(receiver, request.raw, {
      read: lazyBodyOf(request.body),
      url: relativeUrl(request, prefix),
      remoteAddress: request.ip,
    }).then((response) => send(reply, response));
  instance.all('/', { bodyLimit: receiver.bodyLimit }, answer);
  // POSTs to the inspector (sign-in, resync) too.
  instance.post('/inspector/*', { bodyLimit: receiver.bodyLimit }, answer);
  // GETs under the prefix go to core too: its read endpoint, `<prefix>/channels/:channel/members` (a 405 when that is off).
  instance.route({ method: ['GET', 'HEAD'], url: '/*', handler: answer });
}

function isFastifyInstance(value: unknown): value is FastifyInstance {
  const candidate = value as { addContentTypeParser?: unknown; register?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.addContentTypeParser === 'function' &&
    typeof candidate.register === 'function'
  );
}

function presenceWebhooksPlugin(receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksPlugin;
function presenceWebhooksPlugin(instance: FastifyInstance, options: PresenceWebhooksOptions): Promise<void>;
function presenceWebhooksPlugin(
  first: FastifyInstance | Receiver | ReceiverOptions,
  options?: PresenceWebhooksOptions,
): PresenceWebhooksPlugin | Promise<void> {
  // Async, so that bad options reject the registration (a synchronous throw would stall Fastify's boot).
  if (isFastifyInstance(first)) return (async () => mount(first, receiverFrom(options ?? {})))();
  const receiver = isReceiver(first) ? first : createReceiver(first);
  const plugin = fp(async (instance: FastifyInstance): Promise<void> => mount(instance, receiver), meta());
  return Object.assign(plugin, { receiver });
}

/**
 * Fastify plugin for presence webhooks. Register it as it is with a receiver (or receiver options):
 * `app.register(presenceWebhooks, { receiver, prefix: '/webhooks' })`; or call it with a receiver or
 * options to get a plugin that exposes its receiver: `const plugin = presenceWebhooks({ ably });
 * app.register(plugin, { prefix: '/webhooks' }); plugin.receiver.on('join', ...)`.
 * Both are fastify-plugin plugins with `encapsulate: true`: named `@presence-webhooks/fastify`, for
 * Fastify 4 and 5, and in a context of their own.
 */
export const presenceWebhooks: PresenceWebhooks = fp(
  presenceWebhooksPlugin as unknown as FastifyPluginAsync<PresenceWebhooksOptions>,
  meta(),
) as unknown as PresenceWebhooks;
