import type { LeaveReason, Member, PresenceEvent } from '../events.js';
import type { OrderKey } from '../order-key.js';
import type { HeldState } from './merge.js';
import { decimal } from '../order-key.js';

function digits(n: number): number {
  let d = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) d++;
  return d;
}

/** True when `id` is exactly `connectionId:serial:index` (plain decimals), so it need not be kept. */
function idIsDerivable(order: OrderKey, connectionId: string | undefined): boolean {
  if (order.serial < 0 || order.index < 0 || connectionId === undefined) return false;
  const { id } = order;
  const at = connectionId.length;
  const colon = at + 1 + digits(order.serial);
  return (
    id.length === colon + 1 + digits(order.index) &&
    id.charCodeAt(at) === 58 &&
    id.charCodeAt(colon) === 58 &&
    id.startsWith(connectionId) &&
    decimal(id, at + 1, colon) === order.serial &&
    decimal(id, colon + 1, id.length) === order.index
  );
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
