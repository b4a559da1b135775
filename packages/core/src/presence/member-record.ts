import type { LeaveReason, Member, PresenceEvent } from '../events.js';
import type { OrderKey } from '../order-key.js';
import type { HeldState } from './merge.js';

/**
 * True when `id` is exactly `connectionId:serial:index` (plain decimals of at most 15 digits, as the `id`
 * getter writes them back), so it need not be kept. Compared in place from the end, digit by digit: index,
 * a colon, serial, a colon, then connectionId (no number read back from the id, no string built).
 */
function idIsDerivable(order: OrderKey, connectionId: string | undefined): boolean {
  const { id, serial, index } = order;
  if (!(serial >= 0 && serial < 1e15 && index >= 0 && index < 1e15) || connectionId === undefined) return false;
  let k = id.length;
  for (let part = 0, n = index; part < 2; part++, n = serial) {
    do {
      if (id.charCodeAt(--k) !== 48 + (n % 10)) return false;
      n = Math.floor(n / 10);
    } while (n > 0);
    if (id.charCodeAt(--k) !== 58 /* : */) return false;
  }
  return k === connectionId.length && id.startsWith(connectionId);
}

/**
 * One member's state in MemoryStore, flattened into a single object: it is its own OrderKey and
 * rebuilds the Member on demand, so a present member costs one object plus its strings. The
 * message id is kept only when it cannot be rebuilt from connectionId, serial and index.
 * MemoryStore overwrites a present member's record in place (`assign`) on update and leave, so
 * the steady state allocates no record and leaves no old-generation garbage behind.
 */
export class MemberRecord implements HeldState, OrderKey {
  clientId!: string;
  connectionId!: string | undefined;
  data!: unknown;
  encoding!: string | undefined;
  timestamp!: number;
  present!: boolean;
  serial!: number;
  index!: number;
  rank!: number;
  reason!: LeaveReason | undefined;
  /** The app's user id, fixed when the member became present (a leave's own id is not used). */
  userId: string | undefined;
  /** ts - timestamp: 0 unless the provider orders by another clock than the member's timestamp. */
  private tsOffset!: number;
  private storedId!: string | undefined;

  constructor(event: PresenceEvent) {
    this.assign(event);
    this.userId = event.present ? event.userId : undefined;
  }

  /** Take the state of `event` (every field written, so the object keeps one shape). */
  assign(event: PresenceEvent): void {
    const { member, order } = event;
    this.clientId = member.clientId;
    this.connectionId = member.connectionId;
    this.data = member.data;
    this.encoding = member.encoding;
    this.timestamp = member.timestamp;
    this.present = event.present;
    this.serial = order.serial;
    this.index = order.index;
    this.rank = order.rank;
    this.reason = event.present ? undefined : (event.reason ?? 'leave');
    this.tsOffset = order.ts - member.timestamp;
    this.storedId = idIsDerivable(order, member.connectionId) ? undefined : order.id;
  }

  get ts(): number {
    return this.timestamp + this.tsOffset;
  }

  get id(): string {
    return this.storedId ?? `${this.connectionId}:${this.serial}:${this.index}`;
  }

  get order(): OrderKey {
    return this;
  }

  get member(): Member {
    const member: Member = { clientId: this.clientId, timestamp: this.timestamp };
    if (this.connectionId !== undefined) member.connectionId = this.connectionId;
    if (this.data !== undefined) member.data = this.data;
    if (this.encoding !== undefined) member.encoding = this.encoding;
    return member;
  }
}
