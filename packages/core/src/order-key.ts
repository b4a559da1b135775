// The merge's total order: the order key, its comparison, and how the providers build keys. A leaf, so
// that the providers and the stores share it without importing presence/.

/**
 * The total order used by the merge. Two keys that both carry a serial (>= 0) compare by
 * serial then index (Ably RTP2b2); otherwise by `ts` (RTP2b1, PubNub). Ties: higher `rank`
 * (leave beats the rest), then the larger `id`. Equal keys are the same message.
 */
export interface OrderKey {
  ts: number;
  serial: number;
  index: number;
  rank: number;
  id: string;
}

/** Rank used to break ties between events of equal newness: higher wins. */
export const RANK = { present: 0, update: 1, leave: 2 } as const;

/**
 * Compare two order keys: > 0 when `a` is newer than `b`, 0 when they are the same message.
 * RTP2b2 (both carry a serial): msgSerial, then index. RTP2b1 (otherwise): timestamp.
 * Ties the spec leaves to arrival order are broken deterministically so that any delivery
 * order converges: rank (leave beats the rest), then the larger id.
 */
export function compareOrder(a: OrderKey, b: OrderKey): number {
  let c: number;
  if (a.serial >= 0 && b.serial >= 0) {
    c = a.serial - b.serial || a.index - b.index;
  } else {
    c = a.ts - b.ts;
  }
  if (c !== 0) return c;
  c = a.rank - b.rank;
  if (c !== 0) return c;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The non-negative integer written in decimal digits only in `text[from, to)`, or -1. */
export function decimal(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The largest msgSerial read as a serial: 2^32 - 1. A connection's serials count the messages it
 * sent; at Ably's per-connection publish limit (50 messages/s) this is 2.7 years of publishing
 * without a pause, longer than any connection lives. A larger one (999999999999999) is not a real
 * serial: read as one, it would win over every later message of its connection, pinning the member.
 */
export const MAX_MSG_SERIAL = 0xffff_ffff;

/**
 * Ably's order key for a presence message. A message id of the form `connId:msgSerial:index`
 * whose prefix is the message's own connectionId carries a serial; anything else (a
 * synthesized leave), or a serial above MAX_MSG_SERIAL, orders by timestamp.
 */
export function ablyOrderKey(id: string, connectionId: string, timestamp: number, isLeave: boolean): OrderKey {
  let serial = -1;
  let index = -1;
  const prefix = connectionId.length;
  if (prefix > 0 && id.length > prefix && id.charCodeAt(prefix) === 58 /* : */ && id.startsWith(connectionId)) {
    // `msgSerial:index` in one pass: two runs of 1 to 15 decimal digits around one colon (as `decimal` reads each).
    let s = -1;
    let n = 0;
    let from = prefix + 1;
    let k = from;
    for (; k < id.length; k++) {
      const c = id.charCodeAt(k);
      if (c === 58 && s < 0 && k > from) {
        s = n;
        n = 0;
        from = k + 1;
      } else if (c < 48 || c > 57 || k - from >= 15) break;
      else n = n * 10 + (c - 48);
    }
    if (k === id.length && s >= 0 && k > from && s <= MAX_MSG_SERIAL && n <= MAX_MSG_SERIAL) {
      serial = s;
      index = n;
    }
  }
  return { ts: timestamp, serial, index, rank: isLeave ? RANK.leave : RANK.present, id };
}
