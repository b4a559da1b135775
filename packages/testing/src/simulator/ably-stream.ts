import type { RawAblyPresence, WireFormat } from '../ably-builders.js';
import { ablyBatchRequest, ablyPresenceItem } from '../ably-builders.js';
import type { HistoryEntry } from '../ably-history.js';
import type { StreamContext } from './context.js';
import { sendCounted } from './context.js';
import { isSuccess } from './stats.js';

/** Ably's batched webhooks: at most one request per second from each site (simulated time). */
export const ABLY_BATCH_INTERVAL_MS = 1000;
/** Most events in one batched request (older ones first; the rest go in the next). */
export const ABLY_MAX_BATCH = 1000;
/** Backoff after consecutive failures: 1 s times √2 per failure (1.4 s, 2 s, 2.8 s, …), at most 60 s. */
export const ABLY_BACKOFF_BASE_MS = 1000;
export const ABLY_BACKOFF_MAX_MS = 60_000;
/** Undelivered events are kept for 5 minutes, then discarded. */
export const ABLY_RETENTION_MS = 5 * 60_000;

const SITE_NAMES = ['eu-west-1-A', 'us-east-1-A', 'ap-southeast-2-A', 'eu-central-1-A', 'us-west-1-A', 'ap-northeast-1-A'];

export interface AblyStreamOptions {
  key: string;
  format: WireFormat;
  sites: number;
  batchSize: number;
}

function siteName(site: number): string {
  const base = SITE_NAMES[site % SITE_NAMES.length] as string;
  return site < SITE_NAMES.length ? base : `${base}${Math.floor(site / SITE_NAMES.length)}`;
}

/** A connection's messages go through one site; a synthesized leave comes from any site (its id does not carry the connection). */
function siteOf(message: RawAblyPresence, sites: number, random: () => number): number {
  if (!message.id.startsWith(`${message.connectionId}:`)) return Math.floor(random() * sites);
  let hash = 0;
  for (let i = 0; i < message.connectionId.length; i++) hash = (Math.imul(hash, 31) + message.connectionId.charCodeAt(i)) >>> 0;
  return hash % sites;
}

/** One request: the events' messages grouped into one item per channel (each channel's messages in order). */
function batchRequest(entries: readonly HistoryEntry[], site: string, options: AblyStreamOptions) {
  const byChannel = new Map<string, RawAblyPresence[]>();
  for (const { channel, message } of entries) {
    const list = byChannel.get(channel);
    if (list === undefined) byChannel.set(channel, [message]);
    else list.push(message);
  }
  const items = [...byChannel].map(([channel, messages]) => ablyPresenceItem(channel, messages, site));
  return ablyBatchRequest(items, { key: options.key, format: options.format });
}

/**
 * Deliver an Ably history the way Ably's batched webhooks do. Each site keeps a queue of its
 * events and sends at most one request at a time and one per second, holding the oldest
 * `batchSize` events due; a failed request (non-2xx, timeout, no answer, or a 2xx treated as lost)
 * is retried after a backoff of 1 s × √2 per consecutive failure, capped at 60 s, and the retry
 * also carries the events that arrived meanwhile; events older than 5 minutes are discarded.
 * Sites run independently, so the receiver sees their batches interleaved.
 */
export async function deliverAbly(ctx: StreamContext, options: AblyStreamOptions): Promise<void> {
  const entries = ctx.history.ably?.entries ?? [];
  const queues: number[][] = Array.from({ length: options.sites }, () => []);
  entries.forEach((entry, index) => queues[siteOf(entry.message, options.sites, ctx.random)]?.push(index));
  await Promise.all(queues.map((queue, site) => runSite(ctx, options, entries, queue, site)));
}

async function runSite(
  ctx: StreamContext,
  options: AblyStreamOptions,
  entries: readonly HistoryEntry[],
  queue: readonly number[],
  site: number,
): Promise<void> {
  const at = (position: number) => (ctx.history.events[queue[position] as number] as { at: number }).at;
  const name = siteName(site);
  let head = 0;
  let failures = 0;
  let notBefore = ctx.clock.start + Math.floor(ctx.random() * ABLY_BATCH_INTERVAL_MS); // sites are out of phase
  while (head < queue.length && !ctx.signal.aborted) {
    await ctx.clock.until(Math.max(notBefore, at(head)));
    if (ctx.signal.aborted) return;
    const now = ctx.clock.now();
    while (head < queue.length && at(head) < now - ABLY_RETENTION_MS) ctx.dropped[queue[head++] as number] = 1;
    let end = head;
    while (end < queue.length && end - head < options.batchSize && at(end) <= now) end++;
    if (end === head) continue; // what was due was discarded; wait for the next event
    const batch = queue.slice(head, end);
    const outcome = await sendCounted(
      ctx,
      batchRequest(
        batch.map((i) => entries[i] as HistoryEntry),
        name,
        options,
      ),
      batch,
      failures > 0,
    );
    const ok = isSuccess(outcome);
    if (ok && !(ctx.random() < ctx.duplicateRate)) {
      head = end;
      failures = 0;
      notBefore = now + ABLY_BATCH_INTERVAL_MS;
    } else {
      if (ok) ctx.stats.duplicates++;
      failures++;
      notBefore = ctx.clock.now() + Math.min(ABLY_BACKOFF_MAX_MS, ABLY_BACKOFF_BASE_MS * Math.SQRT2 ** failures);
    }
  }
}
