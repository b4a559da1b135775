import type { Member, PresenceEvent } from '@presence-webhooks/core/store';

/** An Ably-shaped presence event: message `serial` of connection `conn-<clientId>` at provider time `ts`; `present` false: a leave. */
export function presenceEvent(
  channel: string,
  clientId: string,
  serial: number,
  present: boolean,
  ts: number,
  data?: unknown,
): PresenceEvent {
  const connectionId = `conn-${clientId}`;
  const member: Member = { clientId, connectionId, timestamp: ts, ...(data === undefined ? {} : { data }) };
  return {
    provider: 'ably',
    channel,
    memberKey: `${connectionId}:${clientId}`,
    present,
    ...(present ? {} : { reason: 'leave' as const }),
    member,
    order: { ts, serial, index: 0, rank: present ? 0 : 2, id: `${connectionId}:${serial}:0` },
  };
}
