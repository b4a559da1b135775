import type { Change, ChangeFeed } from '@presence-webhooks/core/store';
import { positiveInteger, nonNegativeNumber } from '@presence-webhooks/core/store';
import type { Cluster, Redis } from 'ioredis';
import type { FeedCursor, Position } from './feed-cursor.js';
import { changeCursor, changePlace, compareIds, decodeCursor, encodeCursor, expiredError } from './feed-cursor.js';
import { decodeEntry } from './feed-entry.js';
import { shardKeys } from './names.js';
import type { ScriptCommands } from './scripts.js';

export interface FeedContext {
  client: Redis | Cluster;
  prefix: string;
  shards: number;
  /** The store's guard: through its circuit, within commandTimeoutMs. */
  guard<T>(call: () => Promise<T>): Promise<T>;
}

/** How long one blocking wait of a Cluster's poll lasts (ms): it cannot block on several slots at once. */
const CLUSTER_POLL_MS = 50;
type Entry = [id: Buffer, fields: Buffer[]];

/** The `d` field of a stream entry. */
function entryData(fields: Buffer[]): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if ((fields[i] as Buffer).toString() === 'd') return fields[i + 1];
  return undefined;
}

/**
 * RedisStore's change feed: one stream per shard (`{prefix:sN}:feed`), written by apply.lua with the
 * changes it commits; the changes nobody acknowledged yet in `{prefix:sN}:unacked` (written with them).
 * Reads never use the write connection: a blocking read waits on a connection of its own.
 */
export class RedisFeed implements ChangeFeed {
  private readonly context: FeedContext;
  private readonly streams: string[];
  private readonly unacked: string[];

  constructor(context: FeedContext) {
    this.context = context;
    this.streams = [];
    this.unacked = [];
    for (let shard = 0; shard < context.shards; shard++) {
      const keys = shardKeys(context.prefix, shard);
      this.streams.push(keys.feed);
      this.unacked.push(keys.unacked);
    }
  }

  /** The cursor of a change an apply call committed (its own shard's place only). */
  cursorOf(shard: number, id: string, index: number, size: number): string {
    return changeCursor(this.context.shards, shard, id, index, size);
  }

  async head(): Promise<string> {
    const { client, guard } = this.context;
    const lasts = await guard(() => Promise.all(this.streams.map((key) => client.xrevrange(key, '+', '-', 'COUNT', 1))));
    const positions = lasts.map((entries): Position => ({ id: entries[0]?.[0] ?? '0-0', index: Infinity }));
    return encodeCursor({ shards: this.context.shards, shard: -1, positions });
  }

  async read(after: string, options: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<Change[]> {
    const limit = positiveInteger(options?.limit, 'limit', 100);
    const waitMs = nonNegativeNumber(options?.waitMs, 'waitMs', 0);
    const cursor = decodeCursor(after, this.context.shards);
    const positions = this.placesOf(cursor);
    await this.checkRetained(positions);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const changes = await this.readOnce(cursor, positions, limit);
      if (changes.length > 0 || Date.now() >= deadline || options.signal?.aborted) return changes;
      await this.wait(positions, deadline - Date.now(), options.signal);
    }
  }

  /** Every shard's place: a shard the cursor does not know starts at the same time as the known ones (an apply's cursor). */
  private placesOf(cursor: FeedCursor): Position[] {
    const known = cursor.positions.find((p) => p !== undefined) as Position;
    const ms = known.id.split('-')[0] as string;
    return cursor.positions.map((p) => p ?? { id: `${ms}-0`, index: -1 });
  }

  /** A place before what the stream has trimmed: its changes are gone (ReceiverError feed_cursor_expired). */
  private async checkRetained(positions: Position[]): Promise<void> {
    const { client, guard } = this.context;
    const infos = await guard(() =>
      Promise.all(this.streams.map((key) => (client.xinfo('STREAM', key) as Promise<unknown[]>).catch(() => undefined))),
    );
    positions.forEach((position, shard) => {
      const info = infos[shard];
      if (info === undefined) return; // no stream (yet): nothing was trimmed
      // Trimming (the retention) leaves no mark but the count: entries added beyond those held were trimmed,
      // all before the first held entry. A place before it may have missed some.
      const field = (name: string) => info[info.indexOf(name) + 1];
      const trimmed = Number(field('entries-added')) > Number(field('length'));
      const first = String(field('recorded-first-entry-id'));
      if (trimmed && compareIds(position.id, first) < 0)
        throw expiredError(`the cursor's place in shard ${shard} (${position.id}) is older than the feed's retention`);
    });
  }

  private async readOnce(cursor: FeedCursor, positions: Position[], limit: number): Promise<Change[]> {
    const { client, guard } = this.context;
    const batches = await guard(() =>
      Promise.all(
        this.streams.map(
          (key, shard) =>
            client.xrangeBuffer(key, (positions[shard] as Position).id, '+', 'COUNT', limit + 1) as unknown as Promise<Entry[]>,
        ),
      ),
    );
    const out: Change[] = [];
    for (let shard = 0; shard < batches.length && out.length < limit; shard++) {
      const position = positions[shard] as Position;
      for (const [idBytes, fields] of batches[shard] as Entry[]) {
        const id = idBytes.toString();
        const data = entryData(fields);
        if (data === undefined) continue;
        const changes = decodeEntry(data);
        for (let index = 0; index < changes.length && out.length < limit; index++) {
          const cmp = compareIds(id, position.id);
          if (cmp < 0 || (cmp === 0 && index <= position.index)) continue;
          position.id = id;
          position.index = index;
          position.size = changes.length;
          const change = changes[index] as Change;
          change.cursor = encodeCursor({ shards: cursor.shards, shard, positions });
          out.push(change);
        }
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** The connection blocking reads wait on (never the write connection), made on the first wait; undefined while one waits on it. */
  private reader: Redis | Cluster | undefined;
  private readerIdle = true;
  private closed = false;

  private connection(): Redis | Cluster {
    const { client } = this.context;
    // Its own offline queue: a wait may start while it connects (the wait is bounded below).
    const made = client.isCluster
      ? (client as Cluster).duplicate(undefined, { enableOfflineQueue: true })
      : (client as Redis).duplicate({ enableOfflineQueue: true });
    made.on('error', () => undefined);
    return made;
  }

  /**
   * Wait (up to `ms`) until some shard has an entry after its place, on the feed's reader connection
   * (a second waiter at once gets a connection of its own, closed after). An aborted `signal` closes the
   * connection the wait blocks on, which ends it; a wait never outlasts `ms` by more than a second.
   */
  private async wait(positions: Position[], ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0 || this.closed) return;
    const shared = this.readerIdle;
    if (shared) {
      this.reader ??= this.connection();
      this.readerIdle = false;
    }
    const reader = shared ? (this.reader as Redis | Cluster) : this.connection();
    let dropped = false;
    const drop = () => {
      dropped = true;
      reader.disconnect();
    };
    signal?.addEventListener('abort', drop, { once: true });
    const bound = setTimeout(drop, ms + 1000);
    try {
      if (reader.isCluster) {
        // A Cluster cannot block on streams of several slots in one command: poll each shard in short waits.
        const until = Date.now() + ms;
        while (Date.now() < until && !dropped) {
          const found = await Promise.all(
            this.streams.map((key, shard) => reader.xrange(key, `(${(positions[shard] as Position).id}`, '+', 'COUNT', 1)),
          );
          if (found.some((entries) => entries.length > 0)) return;
          await new Promise((resolve) => setTimeout(resolve, Math.min(CLUSTER_POLL_MS, until - Date.now())));
        }
        return;
      }
      await (reader as Redis).xread(
        'COUNT',
        1,
        'BLOCK',
        Math.max(1, Math.round(ms)),
        'STREAMS',
        ...this.streams,
        ...positions.map((p) => p.id),
      );
    } catch {
      // aborted (the connection was closed) or failed: the caller reads again and answers what there is
    } finally {
      clearTimeout(bound);
      signal?.removeEventListener('abort', drop);
      if (!shared) reader.disconnect();
      else {
        if (dropped || this.closed) {
          reader.disconnect();
          this.reader = undefined;
        }
        this.readerIdle = true;
      }
    }
  }

  /** Close the reader connection (the store's close() does). */
  close(): void {
    this.closed = true;
    this.reader?.disconnect();
    this.reader = undefined;
  }

  async claim(olderThanMs: number, limit: number): Promise<Change[]> {
    const older = nonNegativeNumber(olderThanMs, 'olderThanMs', 0);
    const most = positiveInteger(limit, 'limit', 100);
    const { guard } = this.context;
    const scripts = this.context.client as (Redis | Cluster) & ScriptCommands;
    const out: Change[] = [];
    for (let shard = 0; shard < this.context.shards && out.length < most; shard++) {
      const reply = await guard(() =>
        scripts.presenceWebhooksFeedClaimBuffer(this.streams[shard] as string, this.unacked[shard] as string, older, most - out.length),
      );
      for (let r = 0; r + 1 < reply.length; r += 2) {
        const [id, one] = (reply[r] as Buffer).toString().split(':') as [string, string | undefined];
        const changes = decodeEntry(reply[r + 1] as Buffer);
        changes.forEach((change, index) => {
          if (one !== undefined && Number(one) !== index) return;
          change.cursor = this.cursorOf(shard, id, index, changes.length);
          out.push(change);
        });
      }
    }
    return out;
  }

  /**
   * Acknowledgements not sent yet: those made in the same turn of the event loop (a receiver with many
   * deliveries in flight acks each) go in one call per shard.
   */
  private pendingAcks: { byShard: Map<number, Map<string, { size: number; indices: Set<number> }>>; sent: Promise<void> } | undefined;

  async ack(cursors: readonly string[]): Promise<void> {
    const places: [shard: number, id: string, index: number, size: number][] = [];
    for (const text of cursors) {
      const place = changePlace(text, this.context.shards);
      if (place !== undefined) {
        places.push(place);
        continue;
      }
      const cursor = decodeCursor(text, this.context.shards);
      const own = cursor.positions[cursor.shard];
      if (cursor.shard < 0 || own === undefined || own.index === Infinity || own.size === undefined || own.index >= own.size) continue;
      places.push([cursor.shard, own.id, own.index, own.size]);
    }
    if (places.length === 0) return;
    if (this.pendingAcks === undefined) {
      const byShard = new Map<number, Map<string, { size: number; indices: Set<number> }>>();
      const sent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pendingAcks = undefined;
        return this.sendAcks(byShard);
      });
      this.pendingAcks = { byShard, sent };
    }
    const { byShard, sent } = this.pendingAcks;
    for (const [shard, id, index, size] of places) {
      let entries = byShard.get(shard);
      if (entries === undefined) byShard.set(shard, (entries = new Map()));
      let entry = entries.get(id);
      if (entry === undefined) entries.set(id, (entry = { size, indices: new Set() }));
      entry.indices.add(index);
    }
    return sent;
  }

  private async sendAcks(byShard: Map<number, Map<string, { size: number; indices: Set<number> }>>): Promise<void> {
    const scripts = this.context.client as (Redis | Cluster) & ScriptCommands;
    await this.context.guard(() =>
      Promise.all(
        [...byShard].map(([shard, entries]) => {
          const args: (string | number)[] = [];
          // A whole entry (a delivery's changes, acknowledged at once) is sent without its indices.
          for (const [id, { size, indices }] of entries) {
            if (indices.size === size) args.push(id, size, size);
            else args.push(id, size, indices.size, ...indices);
          }
          return scripts.presenceWebhooksFeedAck(this.unacked[shard] as string, ...args);
        }),
      ),
    );
  }
}
