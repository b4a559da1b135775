/**
 * Instrumentation on `node:diagnostics_channel`, with no dependency: a subscriber (an APM agent, the
 * OpenTelemetry recipe, @presence-webhooks/prometheus) sees what the receiver does; without one, a
 * publish costs one `hasSubscribers` check (as undici and Fastify do).
 *
 * Every message carries the `receiver` it comes from (a process may run several). Names:
 * - tracing channels `presence-webhooks:handle` (around `receiver.handle`) and
 *   `presence-webhooks:store.apply` (around every `store.apply`): `tracing:<name>:start|end|asyncStart|asyncEnd|error`;
 * - named channels `presence-webhooks:delivery`, `:rejection`, `:drift`, `:resync`, `:reconcile`.
 */
import diagnostics from 'node:diagnostics_channel';
import type { DriftEvent, PresenceEvent, ProviderName } from '../events.js';
import type { WebhookResponse } from '../http/response.js';
import type { WebhookRequest } from '../pipeline/pipeline.js';

export const HANDLE_CHANNEL = 'presence-webhooks:handle';
export const STORE_APPLY_CHANNEL = 'presence-webhooks:store.apply';
export const DELIVERY_CHANNEL = 'presence-webhooks:delivery';
export const REJECTION_CHANNEL = 'presence-webhooks:rejection';
export const DRIFT_CHANNEL = 'presence-webhooks:drift';
export const RESYNC_CHANNEL = 'presence-webhooks:resync';
export const RECONCILE_CHANNEL = 'presence-webhooks:reconcile';

/** The context of one `handle` trace; `result` (the answer) is set by the tracing channel at asyncEnd. */
export interface HandleTraceContext {
  receiver: object;
  request: Pick<WebhookRequest, 'method' | 'headers' | 'url'>;
  result?: WebhookResponse;
  error?: unknown;
}

/** The context of one `store.apply` trace. */
export interface StoreApplyTraceContext {
  receiver: object;
  /** How many presence events the batch holds. */
  events: number;
  error?: unknown;
}

/** How one accepted delivery turned out, once merged: `duplicate` / `stale` changed nothing. */
export type DeliveryOutcome = 'accepted' | 'rejected' | 'duplicate' | 'stale';

/** An accepted delivery, published before its merge (its outcome is counted in `stats()` once merged). */
export interface DeliveryMessage {
  receiver: object;
  provider: ProviderName;
  /** When the receiver accepted it (ms since the epoch). */
  receivedAt: number;
  /** The provider's timestamps (ms) of the delivery's events, for the delivery lag. */
  timestamps: readonly number[];
}

export interface RejectionMessage {
  receiver: object;
  status: number;
  code: string;
  message: string;
}

export interface DriftMessage extends DriftEvent {
  receiver: object;
}

export type ResyncOutcome = 'complete' | 'incomplete' | 'failed';

export interface ResyncMessage {
  receiver: object;
  provider: ProviderName;
  channel: string;
  outcome: ResyncOutcome;
  /** Effective changes of the repair. */
  changes: number;
  error?: string;
}

/** Progress of a whole-app reconcile (the fields of the receiver's `reconcile` event). */
export interface ReconcileMessage {
  receiver: object;
  provider?: ProviderName;
  phase: string;
  done?: number;
  total?: number;
}

export const handleTrace = diagnostics.tracingChannel<unknown, HandleTraceContext>(HANDLE_CHANNEL);
export const storeApplyTrace = diagnostics.tracingChannel<unknown, StoreApplyTraceContext>(STORE_APPLY_CHANNEL);
const deliveryChannel = diagnostics.channel(DELIVERY_CHANNEL);
const rejectionChannel = diagnostics.channel(REJECTION_CHANNEL);
const driftChannel = diagnostics.channel(DRIFT_CHANNEL);
const resyncChannel = diagnostics.channel(RESYNC_CHANNEL);
const reconcileChannel = diagnostics.channel(RECONCILE_CHANNEL);

type TracingChannelLike = {
  start: diagnostics.Channel;
  end: diagnostics.Channel;
  asyncStart: diagnostics.Channel;
  asyncEnd: diagnostics.Channel;
  error: diagnostics.Channel;
};

/** Whether anyone listens on a tracing channel (Node 20's TracingChannel may lack the getter). */
export function traced(channel: unknown): boolean {
  const t = channel as TracingChannelLike & { hasSubscribers?: boolean };
  if (typeof t.hasSubscribers === 'boolean') return t.hasSubscribers;
  return (
    t.start.hasSubscribers || t.end.hasSubscribers || t.asyncStart.hasSubscribers || t.asyncEnd.hasSubscribers || t.error.hasSubscribers
  );
}

/** Whether anyone listens for deliveries (so the receiver gathers their timestamps only then). */
export function deliveriesObserved(): boolean {
  return deliveryChannel.hasSubscribers;
}

export function publishDelivery(message: DeliveryMessage): void {
  if (deliveryChannel.hasSubscribers) deliveryChannel.publish(message);
}

export function publishRejection(message: RejectionMessage): void {
  if (rejectionChannel.hasSubscribers) rejectionChannel.publish(message);
}

export function publishDrift(message: DriftMessage): void {
  if (driftChannel.hasSubscribers) driftChannel.publish(message);
}

export function publishResync(message: ResyncMessage): void {
  if (resyncChannel.hasSubscribers) resyncChannel.publish(message);
}

/** For the reconcile code: publish its progress (nothing happens without a subscriber). */
export function publishReconcile(message: ReconcileMessage): void {
  if (reconcileChannel.hasSubscribers) reconcileChannel.publish(message);
}

/** The provider timestamps of a delivery's events (ms). */
export function eventTimestamps(presence: readonly PresenceEvent[], channel: readonly { payload: { timestamp: number } }[]): number[] {
  const out: number[] = [];
  for (const event of presence) out.push(event.member.timestamp);
  for (const event of channel) out.push(event.payload.timestamp);
  return out;
}
