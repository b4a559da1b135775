import type { Receiver, ReceiverOptions, WebhookResponse } from '@presence-webhooks/core';
import { createReceiver, isReceiver, WebhookError } from '@presence-webhooks/core';
import { errorResponse } from '@presence-webhooks/core/node';
import { bodyTooLarge, handleNodeRequest, responseHeaders, sendNodeResponse } from '@presence-webhooks/core/node';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** Plugin options: a receiver, or the options to create one (plus Fastify's own `prefix`). */
export interface PresenceWebhooksFastifyOptions extends Partial<ReceiverOptions> {
  receiver?: Receiver;
  prefix?: string;
}

/** The plugin `presenceWebhooks(receiverOrOptions)` returns, with the receiver it uses. */
export type PresenceWebhooksPlugin = FastifyPluginAsync<{ prefix?: string }> & { readonly receiver: Receiver };

/** Options Fastify's `register` itself reads; never receiver options. */
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

function receiverFrom(options: PresenceWebhooksFastifyOptions): Receiver {
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
  // Fastify marks a parser failure `connection: close`; only a 413 keeps it (as on every framework).
  reply.removeHeader('connection');
  return reply.code(response.status).headers(responseHeaders(response)).send(response.body);
}

/**
 * Fastify refused the request before the handler (its body limit, a media type it cannot parse, a
 * broken body): answer what core answers for the same request.
 */
async function answerRefusal(receiver: Receiver, error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const code = typeof error.code === 'string' ? error.code : '';
  if (!code.startsWith('FST_ERR_CTP_') && code !== 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE') throw error;
  if (request.method !== 'POST' || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Nothing was read: core answers 405 (not POST) or reads the body itself (its limit, then 415).
    return send(reply, await handleNodeRequest(receiver, request.raw));
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    request.raw.resume(); // discard, without buffering, what the client still sends
    return send(reply, errorResponse(bodyTooLarge(receiver.bodyLimit)));
  }
  return send(reply, errorResponse(new WebhookError(400, 'invalid_body', `The body could not be read: ${error.message}`)));
}

/**
 * The webhook route, in the plugin's own encapsulated context: every content type reaches core as
 * bytes (Fastify reads them with the receiver's limit), so core alone answers 405 / 413 / 415 / 400;
 * the application's parsers and routes outside the plugin are untouched.
 */
async function mount(instance: FastifyInstance, receiver: Receiver): Promise<void> {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  instance.setErrorHandler((error: FastifyError, request, reply) => answerRefusal(receiver, error, request, reply));
  instance.all('/', { bodyLimit: receiver.bodyLimit }, async (request, reply) =>
    send(reply, await handleNodeRequest(receiver, request.raw, { rawBody: request.body })),
  );
  // POSTs to the inspector (sign-in, resync) too.
  instance.post('/inspector/*', { bodyLimit: receiver.bodyLimit }, async (request, reply) =>
    send(reply, await handleNodeRequest(receiver, request.raw, { rawBody: request.body, url: relativeUrl(request.raw.url, instance.prefix) })),
  );
  // GETs under the prefix go to core too: its read endpoint, `<prefix>/channels/:channel/members` (a 405 when that is off).
  const prefix = instance.prefix;
  instance.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: async (request, reply) => {
      const url = request.raw.url ?? '/';
      return send(reply, await handleNodeRequest(receiver, request.raw, { url: url.startsWith(prefix) ? url.slice(prefix.length) : url }));
    },
  });
}

function relativeUrl(url: string | undefined, prefix: string): string {
  const full = url ?? '/';
  return full.startsWith(prefix) ? full.slice(prefix.length) : full;
}

function isFastifyInstance(value: unknown): value is FastifyInstance {
  const candidate = value as { addContentTypeParser?: unknown; register?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.addContentTypeParser === 'function' && typeof candidate.register === 'function';
}

/**
 * Fastify plugin for presence webhooks. Register it as it is with a receiver (or receiver options):
 * `app.register(presenceWebhooks, { receiver, prefix: '/webhooks' })`; or call it with a receiver or
 * options to get a plugin that exposes its receiver: `const plugin = presenceWebhooks({ ably });
 * app.register(plugin, { prefix: '/webhooks' }); plugin.receiver.on('join', ...)`.
 * Registered without fastify-plugin on purpose: its content-type parsers stay on the webhook route.
 */
export function presenceWebhooks(receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksPlugin;
export function presenceWebhooks(instance: FastifyInstance, options: PresenceWebhooksFastifyOptions): Promise<void>;
export function presenceWebhooks(
  first: FastifyInstance | Receiver | ReceiverOptions,
  options?: PresenceWebhooksFastifyOptions,
): PresenceWebhooksPlugin | Promise<void> {
  // Async, so that bad options reject the registration (a synchronous throw would stall Fastify's boot).
  if (isFastifyInstance(first)) return (async () => mount(first, receiverFrom(options ?? {})))();
  const receiver = isReceiver(first) ? first : createReceiver(first);
  const plugin = async (instance: FastifyInstance): Promise<void> => mount(instance, receiver);
  return Object.assign(plugin, { receiver, [Symbol.for('fastify.display-name')]: '@presence-webhooks/fastify' });
}
