import type { TruthMember } from '@presence-webhooks/testing/builders';
import type { ReceiverLine } from './instances.js';

export interface EmissionCheck {
  /** Effective changes printed by more than one instance, or twice. */
  duplicates: string[];
  /** Members whose joins minus leaves (over all instances) do not end where the shared set ends. */
  unbalanced: string[];
  /** instance -> number of join / update / leave lines. */
  perInstance: Map<string, number>;
}

/**
 * Check that the instances together emitted each effective change once: no change twice
 * (a change is named by its type, channel, member and the member's timestamp), and per member
 * the joins minus the leaves come to 1 when it is in the final set, else 0.
 */
export function checkEmissions(lines: readonly ReceiverLine[], finalSet: ReadonlyMap<string, readonly TruthMember[]>): EmissionCheck {
  const seen = new Map<string, string>();
  const balance = new Map<string, number>();
  const result: EmissionCheck = { duplicates: [], unbalanced: [], perInstance: new Map() };
  for (const line of lines) {
    if (line.event === undefined) continue;
    result.perInstance.set(line.instance, (result.perInstance.get(line.instance) ?? 0) + 1);
    const member = `${line.channel}/${line.connectionId ?? ''}/${line.clientId}`;
    const change = `${line.event} ${member} @${line.timestamp}`;
    const by = seen.get(change);
    if (by !== undefined) result.duplicates.push(`${change} (by ${by} and ${line.instance})`);
    seen.set(change, line.instance);
    if (line.event !== 'update') balance.set(member, (balance.get(member) ?? 0) + (line.event === 'join' ? 1 : -1));
  }
  const present = new Set<string>();
  for (const [channel, members] of finalSet) for (const m of members) present.add(`${channel}/${m.connectionId ?? ''}/${m.clientId}`);
  for (const member of new Set([...balance.keys(), ...present])) {
    const b = balance.get(member) ?? 0;
    if (b !== (present.has(member) ? 1 : 0))
      result.unbalanced.push(`${member}: joins - leaves = ${b}, ${present.has(member) ? 'present' : 'absent'} at the end`);
  }
  return result;
}
