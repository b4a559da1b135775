import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { PresenceStore } from '@presence-webhooks/core';
import type { BuiltRequest, HistoryEntry, Random, TruthMember } from '@presence-webhooks/testing/builders';
import { ablyBatchRequest, pick } from '@presence-webhooks/testing/builders';
import { ablyDeliveries } from '@presence-webhooks/testing/simulator';

export interface RetryPolicy {
  /** Tries per delivery, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Ably's way: a delivery that is not answered 2xx (or not answered at all) is sent again, with backoff. */
export const PROVIDER_RETRY: RetryPolicy = { attempts: 12, baseDelayMs: 50, maxDelayMs: 1000 };

/** POST a delivery until it is answered 2xx or the tries run out. Answers every status seen ('network' for no answer). */
export async function postWithRetries(
  url: string,
  request: BuiltRequest,
  retry: RetryPolicy = PROVIDER_RETRY,
): Promise<(number | 'network')[]> {
  const seen: (number | 'network')[] = [];
  for (let attempt = 0; attempt < retry.attempts; attempt++) {
    if (attempt > 0) await sleep(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
    try {
      const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
      await response.arrayBuffer();
      seen.push(response.status);
      if (response.ok) return seen;
    } catch {
      seen.push('network');
    }
  }
  return seen;
}

export interface StreamOptions {
  /** The receivers: each delivery goes to one of them, picked at random. */
  urls: readonly string[];
  key: string;
  random: Random;
  /** Deliveries in flight at once (default 4): the receivers apply concurrently. */
  concurrency?: number;
  /** Share of deliveries sent twice, possibly to different receivers (default 0.25). */
  duplicateRate?: number;
  retry?: RetryPolicy;
  /** Called before each delivery is sent (its number), e.g. to inject a fault mid-stream. */
  beforeSend?: (n: number) => Promise<void> | void;
}

export interface StreamResult {
  deliveries: number;
  /** Final answer -> count ('network' when none came). */
  answers: Map<string, number>;
  /** Every answer, retries included -> count. */
  allAnswers: Map<string, number>;
  /** Deliveries never answered 2xx. */
  undelivered: number;
}

/** Send a history as signed Ably batches: shuffled, duplicated, split at random between the receivers. */
export async function sendStream(entries: readonly HistoryEntry[], options: StreamOptions): Promise<StreamResult> {
  const { random } = options;
  const batches = ablyDeliveries(entries, random, { maxItems: 6, maxPerItem: 5, duplicateRate: options.duplicateRate ?? 0.25 });
  const plan = batches.map((items) => ({
    url: pick(random, options.urls),
    request: ablyBatchRequest(items, { key: options.key, format: random() < 0.3 ? 'msgpack' : 'json' }),
  }));
  const result: StreamResult = { deliveries: plan.length, answers: new Map(), allAnswers: new Map(), undelivered: 0 };
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const n = next++;
      const { url, request } = plan[n] as (typeof plan)[number];
      await options.beforeSend?.(n);
      const seen = await postWithRetries(url, request, options.retry);
      for (const status of seen) count(result.allAnswers, String(status));
      const last = String(seen[seen.length - 1]);
      count(result.answers, last);
      if (!last.startsWith('2')) result.undelivered++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return result;
}

export interface Comparison {
  equal: boolean;
  /** One line per channel. */
  lines: string[];
  /** channel -> members as stored (clientId, connectionId, data). */
  stored: Map<string, TruthMember[]>;
}

/** Compare the store's set with the in-order truth, channel by channel (all of them, or `only` these). */
export async function compareWithTruth(
  store: PresenceStore,
  truth: ReadonlyMap<string, TruthMember[]>,
  only?: readonly string[],
): Promise<Comparison> {
  const channels = (only ?? [...new Set([...truth.keys(), ...(await store.channels())])]).slice().sort();
  const result: Comparison = { equal: true, lines: [], stored: new Map() };
  for (const channel of channels) {
    const members = (await store.members(channel)).map((m) => {
      const out: TruthMember = { clientId: m.clientId };
      if (m.connectionId !== undefined) out.connectionId = m.connectionId;
      if (m.data !== undefined) out.data = m.data;
      return out;
    });
    result.stored.set(channel, members);
    const match = isDeepStrictEqual(members, truth.get(channel) ?? []);
    result.equal &&= match;
    result.lines.push(
      `${channel}: ${members.length} present [${members.map((m) => m.clientId).join(', ')}] ${match ? 'equals the in-order truth' : 'DIFFERS from the in-order truth'}`,
    );
  }
  return result;
}
