import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { TruthMember } from '../ably-history.js';
import type { ReadOutcome, Transport } from './transport.js';
import type { ChannelCheck, Verification } from './types.js';

/** The truth's shape of a member the receiver returned: clientId, connectionId when it has one, data when it has some. */
function asTruth(member: unknown): TruthMember {
  const m = member as { clientId?: unknown; connectionId?: unknown; data?: unknown };
  const out: TruthMember = { clientId: String(m.clientId) };
  if (typeof m.connectionId === 'string') out.connectionId = m.connectionId;
  if (m.data !== undefined && m.data !== null) out.data = m.data;
  return JSON.parse(JSON.stringify(out)) as TruthMember;
}

function keyOf(member: TruthMember): string {
  return member.connectionId === undefined ? member.clientId : `${member.clientId}/${member.connectionId}`;
}

/** Compare one channel's members with its truth: who is missing, in excess, or held with other data. */
export function checkChannel(channel: string, expected: readonly TruthMember[], actualMembers: readonly unknown[]): ChannelCheck {
  const want = new Map(expected.map((m) => [keyOf(m), JSON.parse(JSON.stringify(m)) as TruthMember]));
  const have = new Map(actualMembers.map((m) => asTruth(m)).map((m) => [keyOf(m), m]));
  const missing = [...want.keys()].filter((k) => !have.has(k));
  const extra = [...have.keys()].filter((k) => !want.has(k));
  const differing = [...want].filter(([k, m]) => have.has(k) && !isDeepStrictEqual(have.get(k), m)).map(([k]) => k);
  const match = missing.length === 0 && extra.length === 0 && differing.length === 0;
  return { channel, expected: want.size, actual: have.size, match, missing, extra, differing };
}

/** Reads 8 channels at a time; once `signal` fires no batch starts, and a read it cut short counts as not done (undefined). */
async function readAll(transport: Transport, channels: readonly string[], signal: AbortSignal): Promise<(ReadOutcome | undefined)[]> {
  const out: (ReadOutcome | undefined)[] = [];
  for (let i = 0; i < channels.length; i += 8) {
    const batch = channels.slice(i, i + 8);
    if (signal.aborted) {
      out.push(...batch.map(() => undefined));
      continue;
    }
    const reads = await Promise.all(batch.map((c) => transport.members(c, signal)));
    out.push(...reads.map((read) => (signal.aborted && read.kind === 'error' ? undefined : read)));
  }
  return out;
}

/**
 * Read every channel's members back and compare them with what it may hold: `expected(channel)`
 * lists the acceptable sets, the first being the one reported on a mismatch (more than one when a
 * dropped event's request got no answer, so the receiver may or may not have applied it). The
 * receiver may still be applying what it acknowledged, so reads are repeated until they match or
 * `settleMs` runs out. `signal` (the settle deadline, Ctrl-C) stops the reads: the channels not read
 * by then are reported as unverified, with `stopped` saying why.
 */
export async function verifyChannels(
  transport: Transport,
  channels: readonly string[],
  expected: (channel: string) => readonly (readonly TruthMember[])[],
  settleMs: number,
  stop: { signal: AbortSignal; reason: () => string } = { signal: new AbortController().signal, reason: () => 'stopped' },
): Promise<Verification> {
  const acceptable = new Map(channels.map((c) => [c, expected(c)]));
  const deadline = performance.now() + settleMs;
  for (;;) {
    const reads = await readAll(transport, channels, stop.signal);
    const checks: ChannelCheck[] = [];
    const unverified: string[] = [];
    for (const [i, read] of reads.entries()) {
      const channel = channels[i] as string;
      if (read === undefined) {
        unverified.push(channel);
        continue;
      }
      if (read.kind === 'unauthorized')
        return { status: 'unauthorized', reason: `the read endpoint refused the token (401): pass the receiver's readEndpoint token` };
      if (read.kind === 'off')
        return {
          status: 'unavailable',
          reason: `the receiver has no read endpoint (404 read_endpoint_off); enable its readEndpoint option to compare its set with the truth`,
        };
      if (read.kind === 'unavailable')
        return {
          status: 'unavailable',
          reason: `no read endpoint answered (GET …/channels/:channel/members answered ${read.status}${read.status === 404 ? ': nothing is mounted at that path' : ': that path refuses GET'})`,
        };
      if (read.kind === 'error') return { status: 'error', reason: read.message };
      const sets = acceptable.get(channel) ?? [[]];
      const candidates = sets.map((set) => checkChannel(channel, set, read.members));
      checks.push(candidates.find((c) => c.match) ?? (candidates[0] as ChannelCheck));
    }
    if (unverified.length > 0) return { status: 'incomplete', reason: stop.reason(), channels: checks, unverified };
    if (checks.every((c) => c.match)) return { status: 'match', channels: checks };
    if (performance.now() >= deadline || stop.signal.aborted) return { status: 'mismatch', channels: checks };
    try {
      await sleep(200, undefined, { signal: stop.signal });
    } catch {
      return { status: 'mismatch', channels: checks };
    }
  }
}
