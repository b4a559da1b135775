import type { RawAblyPresence } from './ably-builders.js';
import { ABLY_ACTION } from './ably-builders.js';
import type { Random } from './random.js';
import { pick, seededRandom, recentStart } from './random.js';

/** Ably synthesizes a LEAVE for a member whose connection dropped, 15 s later. */
export const SYNTHETIC_LEAVE_DELAY_MS = 15_000;

export interface AblyHistoryOptions {
  seed: number;
  channels?: readonly string[];
  /** Distinct clientIds. */
  clients?: number;
  /** Presence actions to generate. */
  steps?: number;
  /** Epoch ms of the first event. */
  start?: number;
  /**
   * Largest step of the clock between two actions (ms); default 2000. A quarter of the actions
   * share the previous one's millisecond, the rest advance the clock by 1..maxGapMs ms, so the
   * history spans about `steps * maxGapMs * 3 / 8` ms.
   */
  maxGapMs?: number;
}

export interface HistoryEntry {
  channel: string;
  message: RawAblyPresence;
}

/** A present member of the truth: what the receiver's set must hold. */
export interface TruthMember {
  clientId: string;
  connectionId?: string;
  data?: unknown;
}

export interface AblyHistory {
  /** Every presence message, in the order Ably produced them. */
  entries: HistoryEntry[];
  /** channel -> present members, from applying `entries` in order to an RTP2 map. */
  truth: Map<string, TruthMember[]>;
  /** The value each message's `data` encodes, by message id (absent: no data). */
  values: Map<string, unknown>;
}

interface Conn {
  channel: string;
  clientId: string;
  connectionId: string;
  serial: number;
  present: boolean;
}

/** Encode a value the way Ably sends presence data, in one of several encodings. */
function encodeData(random: Random, value: unknown): { data?: unknown; encoding?: string } {
  if (value === undefined) return {};
  const r = random();
  if (typeof value === 'string') {
    return r < 0.5 ? { data: value } : { data: Buffer.from(value, 'utf8').toString('base64'), encoding: 'utf-8/base64' };
  }
  return r < 0.7
    ? { data: JSON.stringify(value), encoding: 'json' }
    : { data: Buffer.from(JSON.stringify(value)).toString('base64'), encoding: 'json/utf-8/base64' };
}

function memberValue(random: Random, step: number): unknown {
  const r = random();
  if (r < 0.2) return undefined;
  if (r < 0.5) return `status:${pick(random, ['online', 'typing', 'away'])}`;
  return { status: pick(random, ['online', 'typing', 'away']), step };
}

/** Sort members the way stores return them. */
export function sortMembers<T extends TruthMember>(members: T[]): T[] {
  return members.sort((a, b) =>
    a.clientId !== b.clientId
      ? a.clientId < b.clientId
        ? -1
        : 1
      : (a.connectionId ?? '') < (b.connectionId ?? '')
        ? -1
        : (a.connectionId ?? '') > (b.connectionId ?? '')
          ? 1
          : 0,
  );
}

/**
 * Generate a realistic Ably presence history: connections enter, update, leave, re-enter, and
 * drop abruptly (a synthesized LEAVE 15 s later, with an id that does not carry the connection's
 * serial). Ids are `connectionId:msgSerial:index` (msgSerial counts every message a connection
 * published, so it starts anywhere); timestamps never go back and are often equal.
 */
export function generateAblyHistory(options: AblyHistoryOptions): AblyHistory {
  const random = seededRandom(options.seed);
  const channels = options.channels ?? ['room-1', 'room-2', 'room-3'];
  const clients = Array.from({ length: options.clients ?? 6 }, (_, i) => `client-${i}`);
  const steps = options.steps ?? 60;
  const maxGap = options.maxGapMs ?? 2000;
  if (!(Number.isSafeInteger(maxGap) && maxGap >= 1)) throw new RangeError('generateAblyHistory: maxGapMs must be a positive integer');
  let now = options.start ?? recentStart(steps * 0.75 * ((maxGap + 1) / 2));
  let connCounter = 0;
  const conns: Conn[] = []; // the alive connections, in the order they were opened
  const pendingSynthetic: HistoryEntry[] = [];
  const entries: HistoryEntry[] = [];
  const values = new Map<string, unknown>();

  const emit = (conn: Conn, action: number, value?: unknown) => {
    const message: RawAblyPresence = {
      id: `${conn.connectionId}:${conn.serial}:0`,
      clientId: conn.clientId,
      connectionId: conn.connectionId,
      action,
      timestamp: now,
      ...encodeData(random, value),
    };
    conn.serial += 1;
    entries.push({ channel: conn.channel, message });
    values.set(message.id, value);
  };
  const flushSynthetic = (until: number) => {
    pendingSynthetic.sort((a, b) => a.message.timestamp - b.message.timestamp);
    while (pendingSynthetic.length > 0 && (pendingSynthetic[0] as HistoryEntry).message.timestamp <= until)
      entries.push(pendingSynthetic.shift() as HistoryEntry);
  };

  for (let step = 0; step < steps; step++) {
    // Several messages can share a millisecond; only the serial orders them then.
    now += random() < 0.25 ? 0 : 1 + Math.floor(random() * maxGap);
    flushSynthetic(now - 1);
    const r = random();
    if (conns.length === 0 || r < 0.3) {
      const conn: Conn = {
        channel: pick(random, channels),
        clientId: pick(random, clients),
        connectionId: `conn${(connCounter++).toString(36)}x${Math.floor(random() * 1e6).toString(36)}`,
        serial: Math.floor(random() * 15),
        present: true,
      };
      conns.push(conn);
      emit(conn, ABLY_ACTION.enter, memberValue(random, step));
      continue;
    }
    const conn = pick(random, conns);
    if (!conn.present) {
      conn.present = true;
      emit(conn, random() < 0.5 ? ABLY_ACTION.enter : ABLY_ACTION.update, memberValue(random, step));
    } else if (r < 0.55) {
      emit(conn, ABLY_ACTION.update, memberValue(random, step));
    } else if (r < 0.8) {
      conn.present = false;
      emit(conn, ABLY_ACTION.leave);
    } else {
      // Abrupt disconnect: the connection is gone; Ably synthesizes the LEAVE later.
      conn.present = false;
      conns.splice(conns.indexOf(conn), 1);
      const id = `${Math.floor(random() * 1e9).toString(36)}synth:${conn.serial}:0`;
      pendingSynthetic.push({
        channel: conn.channel,
        message: {
          id,
          clientId: conn.clientId,
          connectionId: conn.connectionId,
          action: ABLY_ACTION.leave,
          timestamp: now + SYNTHETIC_LEAVE_DELAY_MS,
        },
      });
    }
  }
  flushSynthetic(Number.POSITIVE_INFINITY);
  return { entries, truth: ablyTruth(entries, values), values };
}

/**
 * Apply messages in order to an RTP2 map per channel (enter/update/present set, leave/absent
 * remove), keeping for each present member what `keep` makes of the message that last set it.
 */
export function ablyPresenceFold<T>(entries: readonly HistoryEntry[], keep: (message: RawAblyPresence) => T): Map<string, Map<string, T>> {
  const map = new Map<string, Map<string, T>>();
  for (const { channel, message } of entries) {
    let members = map.get(channel);
    if (members === undefined) map.set(channel, (members = new Map()));
    const key = `${message.connectionId}:${message.clientId}`;
    if (message.action === ABLY_ACTION.leave || message.action === ABLY_ACTION.absent) members.delete(key);
    else members.set(key, keep(message));
  }
  return map;
}

/**
 * Apply messages in their true order to an RTP2 map (enter/update/present set, leave/absent
 * remove): the set a receiver must hold once it got `entries` (any subset of a history, in any
 * order). `values` gives each message's decoded data (`AblyHistory.values`).
 */
export function ablyTruth(entries: readonly HistoryEntry[], values: ReadonlyMap<string, unknown>): Map<string, TruthMember[]> {
  const map = ablyPresenceFold(entries, (message) => {
    const member: TruthMember = { clientId: message.clientId, connectionId: message.connectionId };
    const value = values.get(message.id);
    if (value !== undefined) member.data = value;
    return member;
  });
  const truth = new Map<string, TruthMember[]>();
  for (const [channel, members] of map) if (members.size > 0) truth.set(channel, sortMembers([...members.values()]));
  return truth;
}
