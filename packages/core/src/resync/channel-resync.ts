import type { ProviderName, ReportedOccupancy } from '../events.js';
import { ReceiverError, toError } from '../errors.js';
import type { Normalised } from '../providers/provider.js';
import { ResyncError } from '../rest/resync-error.js';
import type { ChannelNotes } from './channel-book.js';
import { channelOwner } from './channel-owner.js';
import { CheckScheduler } from './check-scheduler.js';
import { detectDrift } from './drift.js';
import type { ResolvedResyncOptions } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { listedCount } from './repair.js';
import type { ResyncContext, ResyncResult, ResyncTarget } from './resyncer.js';

/**
 * One channel at a time: its drift checks (a reported figure against the store's count, debounced,
 * only when the `resync` option is given) and its resync from the provider's REST snapshot, at most
 * one per channel per `minIntervalMs`. The snapshot is fetched outside the delivery queue; the port's
 * `repair` merges it in the queue, like a delivery.
 */
export class ChannelResync {
  private readonly limiter: RateLimiter<ResyncResult>;
  private readonly scheduler: CheckScheduler | undefined;

  constructor(
    private readonly options: ResolvedResyncOptions,
    private readonly context: ResyncContext,
  ) {
    this.limiter = new RateLimiter(options.minIntervalMs, context.port.now);
    if (options.detect) this.scheduler = new CheckScheduler(options.graceMs, (channel) => void context.track(this.check(channel)));
  }

  /** Learn from an applied delivery: which provider a channel belongs to, and its reported figures. */
  observe(normalised: Normalised): void {
    const { book } = this.context;
    // A delivery's events come by channel: its notes are looked up once per run of one channel.
    let noted: string | undefined;
    let notes: ChannelNotes | undefined;
    for (const event of normalised.presence) {
      if (event.channel !== noted || notes === undefined) notes = book.note((noted = event.channel), event.provider);
      if (this.scheduler === undefined) continue;
      if (notes.lastEventAt === undefined || event.order.ts > notes.lastEventAt) notes.lastEventAt = event.order.ts;
      if (event.reported !== undefined) this.scheduler.defer(event.channel);
    }
    for (const event of normalised.channel) {
      if (event.name !== 'occupancy') continue;
      const { channel, provider, occupancy, timestamp } = event.payload;
      const notes = book.note(channel, provider);
      if (this.scheduler === undefined || occupancy === undefined) continue;
      if (notes.reported === undefined || timestamp >= notes.reported.timestamp) notes.reported = { occupancy, timestamp };
      this.scheduler.defer(channel);
    }
  }

  /**
   * Channels whose delivery the store could not take after its retries: repair each from its provider's
   * REST API soon (when it has one configured), so that nothing given up stays wrong silently.
   */
  repairSoon(provider: ProviderName, channels: readonly string[]): void {
    if (this.context.signal.aborted || this.context.byName.get(provider)?.rest === undefined) return;
    for (const channel of channels) {
      const timer = setTimeout(() => void this.resync(channel, { provider }).catch(() => undefined), this.options.minIntervalMs);
      timer.unref?.();
    }
  }

  /** Repair a channel from its provider's REST API (rate-limited per channel). */
  resync(channel: string, target: ResyncTarget = {}): Promise<ResyncResult> {
    const { port, book, signal } = this.context;
    return this.context.track(
      (async () => {
        if (signal.aborted) throw new ReceiverError('receiver_closed', 'the receiver is closed');
        const provider = target.provider ?? (await channelOwner(channel, book, port.providers, port.store));
        if (provider === undefined) {
          const names = port.providers.map((p) => `'${p.name}'`).join(' | ');
          throw new ReceiverError(
            'unknown_provider',
            `resync("${channel}"): no event of this channel was seen and it holds no member: pass { provider: ${names} }`,
          );
        }
        return this.run(channel, provider);
      })(),
    );
  }

  close(): void {
    this.scheduler?.close();
  }

  /** One repair of a channel per window (resync.minIntervalMs): a call inside it gets the running or last result. */
  private run(channel: string, provider: ProviderName): Promise<ResyncResult> {
    return this.limiter.run(`${provider}\u0000${channel}`, () => this.context.track(this.execute(channel, provider)));
  }

  private async execute(channel: string, provider: ProviderName): Promise<ResyncResult> {
    const { port, book, byName, signal } = this.context;
    try {
      const rest = byName.get(provider);
      if (rest?.rest === undefined) throw new ResyncError(provider, channel, rest?.restMissing ?? `${provider} is not configured`);
      const snapshot = await rest.rest.snapshot(channel, signal);
      for (const problem of snapshot.problems) port.report(problem);
      const { changes, stored } = await port.repair(snapshot);
      if (snapshot.complete) book.repaired(channel, provider, snapshot.time);
      const result: ResyncResult = {
        channel,
        provider,
        snapshotTime: snapshot.time,
        reported: listedCount(snapshot),
        stored,
        changes,
        complete: snapshot.complete,
      };
      port.resynced?.(provider, channel, result);
      return result;
    } catch (error) {
      const failure = toError(error);
      port.resynced?.(provider, channel, failure);
      if (!signal.aborted) port.report(failure);
      throw failure;
    }
  }

  /** The debounced check of a channel's reported figure against the store's count. */
  private async check(channel: string): Promise<void> {
    const { port, book, signal } = this.context;
    try {
      const notes = book.get(channel);
      if (notes === undefined || signal.aborted) return;
      const { provider } = notes;
      const key = `${provider}\u0000${channel}`;
      if (this.limiter.isRunning(key)) return void this.scheduler?.defer(channel); // look again once it is done
      const reported = await this.reportedFor(channel, notes);
      if (reported === undefined) return;
      if ((notes.lastEventAt ?? Number.NEGATIVE_INFINITY) > reported.timestamp) return; // newer events: the figure is stale
      if ((notes.repairedAt ?? Number.NEGATIVE_INFINITY) >= reported.timestamp) return; // a newer snapshot was applied
      const stored = await port.store.occupancy(channel);
      const drift = detectDrift({ channel, provider, reported: reported.occupancy, stored, now: port.now() });
      if (drift === undefined || signal.aborted) return;
      if (this.options.onDrift) {
        // Inside the rate limit's window the last repair would be reused: look again once a new one may run.
        const wait = this.limiter.waitFor(key);
        if (wait > 0) this.scheduler?.defer(channel, wait);
        else this.run(channel, provider).catch(() => undefined); // reported by execute
      }
      port.drift(drift);
    } catch (error) {
      port.report(toError(error));
    }
  }

  /** The newest figure the provider reported: with PubNub events (kept by the store) or in an `occupancy` event. */
  private async reportedFor(channel: string, notes: ChannelNotes): Promise<ReportedOccupancy | undefined> {
    const fromEvent = notes.reported;
    if (notes.provider !== 'pubnub') return fromEvent;
    const fromStore = await this.context.port.store.reportedOccupancy(channel);
    if (fromStore === undefined) return fromEvent;
    return fromEvent !== undefined && fromEvent.timestamp > fromStore.timestamp ? fromEvent : fromStore;
  }
}
