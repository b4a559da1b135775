import type { Receiver } from '@presence-webhooks/core';
import { WebhookError } from '@presence-webhooks/core';
import { leavesBodyUnread } from '@presence-webhooks/core/adapter';
import type * as NodeLayerModule from '@presence-webhooks/core/node';

type NodeLayer = typeof NodeLayerModule;
/** A Node request (`http.IncomingMessage`) as core's `readBody` reads it: a byte stream and its headers. */
type IncomingMessage = Parameters<NodeLayer['readBody']>[0] & { headers: Parameters<NodeLayer['readBody']>[1]; complete: boolean };

/** @hono/node-server's Node request and response under Hono's (`c.env.incoming`, `c.env.outgoing`). */
export interface NodeExchange {
  incoming: IncomingMessage;
  outgoing: { setHeader?(name: string, value: string): unknown } | undefined;
}

/** On @hono/node-server, the Node request and response under Hono's; undefined on any other runtime. */
export function nodeExchange(env: unknown): NodeExchange | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: unknown };
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const node = incoming as Partial<IncomingMessage>;
  if (typeof node.complete !== 'boolean' || typeof node.read !== 'function' || typeof node.headers !== 'object') return undefined;
  return { incoming: incoming as IncomingMessage, outgoing: typeof outgoing === 'object' && outgoing !== null ? outgoing : undefined };
}

/**
 * Nothing has read, piped or started to stream the Node request's body. The adapter then reads it as the Express,
 * Koa and Fastify adapters do (`readNodeBody`), not through `c.req.raw.body`: there @hono/node-server builds a full
 * Request (an AbortController, a web stream over the Node request) per request (measured: 45 % of the Hono
 * middleware's server CPU per delivery on Node).
 */
export function bodyUntouched({ incoming }: NodeExchange): boolean {
  return incoming.readableFlowing === null && !incoming.readableDidRead;
}

let nodeLayer: Promise<NodeLayer> | undefined;

/**
 * Read the Node request's body under core's read policy (the module is loaded on first use: it is Node's only). A
 * refusal that leaves the body unread (413, 408, 503) closes the connection after the answer, as the Node adapters'
 * answers do (a web Response cannot carry `Connection`).
 */
export async function readNodeBody({ incoming, outgoing }: NodeExchange, receiver: Receiver): Promise<Uint8Array> {
  const { readBody } = await (nodeLayer ??= import('@presence-webhooks/core/node'));
  try {
    return await readBody(incoming, incoming.headers, receiver.limits);
  } catch (error) {
    if (error instanceof WebhookError && leavesBodyUnread(error)) {
      try {
        outgoing?.setHeader?.('connection', 'close');
      } catch {
        // HTTP/2 has no Connection header: its stream is reset instead.
      }
    }
    throw error;
  }
}
