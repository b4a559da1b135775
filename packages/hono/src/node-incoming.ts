import type { Receiver } from '@presence-webhooks/core';
import type * as NodeLayerModule from '@presence-webhooks/core/node';

type NodeLayer = typeof NodeLayerModule;
/** A Node request (`http.IncomingMessage`) as core's `readBody` reads it: a byte stream and its headers. */
type IncomingMessage = Parameters<NodeLayer['readBody']>[0] & { headers: Parameters<NodeLayer['readBody']>[1]; complete: boolean };

/**
 * On @hono/node-server, the Node request under Hono's Request (`c.env.incoming`), while nothing has read, piped
 * or started to stream its body; undefined on any other runtime, or once something has. The adapter then reads
 * the body as the Express, Koa and Fastify adapters do (`readNodeBody`), not through `c.req.raw.body`: there
 * @hono/node-server builds a full Request (an AbortController, a web stream over the Node request) per request
 * (measured: 45 % of the Hono middleware's server CPU per delivery on Node).
 */
export function untouchedNodeIncoming(env: unknown): IncomingMessage | undefined {
  const incoming = typeof env === 'object' && env !== null ? (env as { incoming?: unknown }).incoming : undefined;
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const node = incoming as Partial<IncomingMessage>;
  const isNodeRequest = typeof node.complete === 'boolean' && typeof node.read === 'function' && typeof node.headers === 'object';
  return isNodeRequest && node.readableFlowing === null && node.readableDidRead === false ? (incoming as IncomingMessage) : undefined;
}

let nodeLayer: Promise<NodeLayer> | undefined;

/** Read the Node request's body under core's read policy (loaded on first use: the module is Node's only). */
export async function readNodeBody(incoming: IncomingMessage, receiver: Receiver): Promise<Uint8Array> {
  const { readBody } = await (nodeLayer ??= import('@presence-webhooks/core/node'));
  return readBody(incoming, incoming.headers, receiver.limits);
}
