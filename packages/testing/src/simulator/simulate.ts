import { setMaxListeners } from 'node:events';
import { seededRandom } from '../random.js';
import { deliverAbly } from './ably-stream.js';
import { SimClock } from './clock.js';
import type { TruthMember } from '../ably-history.js';
import type { StreamContext } from './context.js';
import type { SimHistory } from './history.js';
import { countUntil, generateHistory } from './history.js';
import { Limiter } from './limiter.js';
import { resolveOptions } from './options.js';
import { checkReadEndpoint, stopsTheRun } from './preflight.js';
import { deliverPubNub } from './pubnub-stream.js';
import { deliverPusher } from './pusher-stream.js';
import { Stats } from './stats.js';
import { httpTransport, receiverTransport } from './transport.js';
import type { Preflight, SimulateOptions, SimulationProgress, SimulationReport, Verification } from './types.js';
import { verifyChannels } from './verify.js';

/** More unanswered dropped events on one channel than this: only the set without them is accepted. */
const MAX_UNCERTAIN = 10;

/**
 * The sets a receiver may hold for a channel: the in-order set of the events it answered 2xx for,
 * plus any combination of the dropped events whose last attempt got no answer (it may have
 * applied them). Without such events that is one set: the truth itself when nothing was lost.
 */
function acceptableSets(history: SimHistory, ctx: StreamContext, indices: readonly number[], channel: string): TruthMember[][] {
  const sure = indices.filter((i) => ctx.delivered[i] === 1);
  const maybe = indices.filter((i) => ctx.delivered[i] === 0 && ctx.unanswered[i] === 1);
  const choices = maybe.length > MAX_UNCERTAIN ? [] : maybe;
  const sets: TruthMember[][] = [];
  for (let mask = 0; mask < 2 ** choices.length; mask++) {
    const indices = [...sure, ...choices.filter((_, bit) => (mask >> bit) & 1)].sort((a, b) => a - b);
    sets.push(history.truthOf(indices).get(channel) ?? []);
  }
  return sets;
}

/** A first read of every channel gets at least this long, even with a shorter settle time. */
const MIN_READ_MS = 1000;

/**
 * What stops the verify phase's reads: its deadline (the settle time, at least MIN_READ_MS), or the
 * caller's signal (Ctrl-C) when it fires during verification (one that fired earlier stopped the
 * deliveries; what was delivered is still read back, within the deadline).
 */
function verifyStop(settleMs: number, signal: AbortSignal | undefined): { signal: AbortSignal; reason: () => string } {
  const limitMs = Math.max(settleMs, MIN_READ_MS);
  const deadline = AbortSignal.timeout(limitMs);
  const stopping = signal === undefined || signal.aborted ? deadline : AbortSignal.any([signal, deadline]);
  return {
    signal: stopping,
    reason: () => (deadline.aborted ? `the reads took longer than the settle time (${limitMs} ms)` : 'the run was stopped'),
  };
}

/**
 * Play a realistic presence history against a webhook endpoint the way the provider delivers it,
 * and report what happened and whether the receiver ended with the truth.
 *
 * Ably: connections enter, update, leave and drop (a synthesized leave 15 s later); batched,
 * signed requests from several sites, each at most once per second, retried with Ably's backoff for
 * up to 5 minutes. PubNub: users join, change state, leave and time out; legacy, multipart and
 * Events & Actions webhooks, reordered by network delay, resent 5 s apart up to 4 attempts.
 * Duplicates come from answers treated as lost. Provider time runs `timeScale` times faster.
 *
 * ```ts
 * const report = await simulate({ url: 'http://127.0.0.1:3000/webhooks', provider: 'ably', key, channels: 5, members: 50, timeScale: 10 });
 * report.verification.status; // 'match' when the receiver's read endpoint shows the truth
 * ```
 * Throws SimulationOptionsError for options that cannot work; everything else ends up in the report.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const o = resolveOptions(options);
  const transport = o.receiver !== undefined ? receiverTransport(o.receiver) : httpTransport(o.urls as string[], o.readToken);
  // A refused token or a target where nothing listens: say so now, not after the whole run.
  const preflight: Preflight = o.verify
    ? await checkReadEndpoint(transport, o.channels[0] as string, options.signal)
    : { status: 'skipped' };
  const start = Date.now();
  const history = generateHistory(o.provider, {
    seed: o.seed,
    channels: o.channels,
    members: o.members,
    events: o.events,
    durationMs: o.durationMs,
    start,
  });
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every pending wait listens to it
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted === true) stop();
  const deadline = setTimeout(stop, o.maxRunMs(history.spanMs));
  deadline.unref();

  const clock = new SimClock(start, o.timeScale, controller.signal);
  const stats = new Stats();
  const count = history.events.length;
  const ctx: StreamContext = {
    history,
    clock,
    transport,
    limiter: new Limiter(o.concurrency),
    stats,
    random: seededRandom(o.seed ^ 0x5eed),
    signal: controller.signal,
    timeoutMs: o.requestTimeoutMs,
    duplicateRate: o.duplicateRate,
    delivered: new Uint8Array(count),
    dropped: new Uint8Array(count),
    unanswered: new Uint8Array(count),
  };
  const sum = (flags: Uint8Array) => flags.reduce((n, f) => n + f, 0);
  const progress = (finished: boolean): SimulationProgress => {
    const now = Math.min(clock.now(), start + history.spanMs);
    const generated = countUntil(history.events, now);
    return {
      elapsedMs: clock.elapsedMs(),
      simulatedMs: now - start,
      spanMs: history.spanMs,
      events: count,
      generated,
      delivered: sum(ctx.delivered),
      dropped: sum(ctx.dropped),
      requests: stats.requests,
      retries: stats.retries,
      inFlight: stats.inFlight,
      statuses: stats.statusRecord(),
      finished,
      truth: () => history.truth((i) => i < generated),
    };
  };
  const report = (verification: Verification, preflight: Preflight): SimulationReport => {
    const elapsedMs = clock.elapsedMs();
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const dropped = history.events.flatMap(({ channel, id }, i) =>
      ctx.dropped[i] === 1 ? [{ channel, id, unanswered: ctx.unanswered[i] === 1 }] : [],
    );
    return {
      provider: o.provider,
      target: transport.target,
      seed: o.seed,
      channels: o.channels,
      members: o.members,
      events: count,
      requests: stats.requests,
      deliveries: stats.deliveries,
      retries: stats.retries,
      duplicates: stats.duplicates,
      dropped: dropped.length,
      droppedEvents: dropped,
      complete,
      statuses: stats.statusRecord(),
      elapsedMs: Math.round(elapsedMs),
      spanMs: history.spanMs,
      timeScale: o.timeScale,
      // No duration asked: the history's own span is what the run took (no note that the events did not fit).
      durationMs: o.durationGiven ? o.durationMs : Math.max(o.durationMs, history.spanMs),
      eventsPerSecond: Math.round((sum(ctx.delivered) / seconds) * 10) / 10,
      requestsPerSecond: Math.round((stats.requests / seconds) * 10) / 10,
      latencyMs: stats.latency(),
      truth: Object.fromEntries(history.truth()),
      preflight,
      verification,
    };
  };
  let complete = false;

  if (stopsTheRun(preflight)) {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', stop);
    return report(
      preflight.status === 'unauthorized'
        ? { status: 'unauthorized', reason: preflight.reason }
        : { status: 'error', reason: preflight.reason },
      preflight,
    );
  }

  const ticker =
    options.onProgress === undefined ? undefined : setInterval(() => options.onProgress?.(progress(false)), o.progressIntervalMs);

  try {
    if (o.provider === 'ably') await deliverAbly(ctx, { key: o.key, format: o.format, sites: o.sites, batchSize: o.batchSize });
    else if (o.provider === 'pusher') await deliverPusher(ctx, { key: o.key, secret: o.secret });
    else
      await deliverPubNub(ctx, {
        secret: o.secret,
        secretIn: o.secretIn,
        ...(o.secretHeader === undefined ? {} : { secretHeader: o.secretHeader }),
      });
  } finally {
    clearTimeout(deadline);
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', stop);
  }
  complete = !controller.signal.aborted && ctx.delivered.every((d, i) => d === 1 || ctx.dropped[i] === 1);
  options.onProgress?.(progress(true));

  let verification: Verification = { status: 'skipped' };
  if (o.verify) {
    const byChannel = new Map<string, number[]>();
    history.events.forEach(({ channel }, i) => {
      const list = byChannel.get(channel);
      if (list === undefined) byChannel.set(channel, [i]);
      else list.push(i);
    });
    verification = await verifyChannels(
      transport,
      o.channels,
      (channel) => acceptableSets(history, ctx, byChannel.get(channel) ?? [], channel),
      o.settleMs,
      verifyStop(o.settleMs, options.signal),
    );
  }
  return report(verification, preflight);
}
