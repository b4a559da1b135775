import { ReceiverError } from '@presence-webhooks/core';

/**
 * A feed cursor: for each shard, how far it was read (a stream entry id and the last change of that
 * entry consumed; `index` Infinity: the whole entry), and the shard of the change it belongs to.
 * A cursor from `apply` knows its own shard's place only. Opaque to users: `v1~shards~shard~id/i/size~...`.
 */
export interface Position {
  id: string;
  index: number;
  /** How many changes the entry holds, when known (the cursor of a change): ack needs it. */
  size?: number;
}

export interface FeedCursor {
  shards: number;
  /** The shard of the change this cursor is the place of (-1: a head cursor). */
  shard: number;
  positions: (Position | undefined)[];
}

const ENTRY_ID = /^\d+-\d+$/;

/** The error for a cursor the store cannot place. */
export function expiredError(what: string): ReceiverError {
  return new ReceiverError(
    'feed_cursor_expired',
    `RedisStore feed: ${what}; the changes after it cannot be told. Reconcile (receiver.reconcile()), then read from feed.head().`,
  );
}

export function encodeCursor(cursor: FeedCursor): string {
  const places = cursor.positions.map((p) =>
    p === undefined ? '' : `${p.id}/${p.index === Infinity ? 'x' : p.index}${p.size === undefined ? '' : `/${p.size}`}`,
  );
  return ['v1', cursor.shards, cursor.shard, ...places].join('~');
}

/** The cursor of one change (its own shard's place only): encodeCursor's text, written directly (one per change of every apply). */
export function changeCursor(shards: number, shard: number, id: string, index: number, size: number): string {
  return `v1~${shards}~${shard}~${'~'.repeat(shard)}${id}/${index}/${size}${'~'.repeat(shards - shard - 1)}`;
}

/** A change's cursor as changeCursor writes it: shards, shard, the places before its own, id/index/size, those after. */
const CHANGE_CURSOR = /^v1~(\d+)~(\d+)~(~*)(\d+-\d+)\/(\d+)\/(\d+)(~*)$/;

type CursorGroups = [total: string, shard: string, before: string, id: string, index: string, size: string, after: string];

/** The place of a change's cursor as changeCursor writes it, read with one match (ack reads one per change); undefined for any other text. */
export function changePlace(text: string, shards: number): [shard: number, id: string, index: number, size: number] | undefined {
  const m = typeof text === 'string' ? CHANGE_CURSOR.exec(text) : null;
  if (m === null) return undefined;
  const [total, shard, before, id, index, size, after] = m.slice(1) as CursorGroups;
  const s = Number(shard);
  if (Number(total) !== shards || s >= shards || before.length !== s || after.length !== shards - s - 1) return undefined;
  // A change's place lies inside its entry (index < size): a damaged cursor acknowledges nothing else.
  return Number(index) < Number(size) ? [s, id, Number(index), Number(size)] : undefined;
}

/** The cursor, or a ReceiverError('feed_cursor_expired') when it is none of this store's (other shards, not a cursor). */
export function decodeCursor(text: string, shards: number): FeedCursor {
  if (typeof text !== 'string') throw expiredError(`${JSON.stringify(text)} is not a feed cursor`);
  const parts = text.split('~');
  if (parts[0] !== 'v1' || parts.length !== shards + 3 || Number(parts[1]) !== shards)
    throw expiredError(`the cursor ${JSON.stringify(text.slice(0, 80))} is not one of this store's (${shards} shards)`);
  const shard = Number(parts[2]);
  if (!Number.isInteger(shard) || shard < -1 || shard >= shards) throw expiredError('the cursor names no shard of this store');
  const positions = parts.slice(3).map((place): Position | undefined => {
    if (place === '') return undefined;
    const [id, index, size] = place.split('/');
    if (
      id === undefined ||
      !ENTRY_ID.test(id) ||
      index === undefined ||
      !(index === 'x' || /^\d+$/.test(index)) ||
      !(size === undefined || /^\d+$/.test(size))
    )
      throw expiredError(`the cursor ${JSON.stringify(text.slice(0, 80))} is damaged`);
    const position: Position = { id, index: index === 'x' ? Infinity : Number(index) };
    if (size !== undefined) position.size = Number(size);
    return position;
  });
  if (positions.every((p) => p === undefined)) throw expiredError('the cursor holds no place');
  return { shards, shard, positions };
}

/** Compare two stream entry ids. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
