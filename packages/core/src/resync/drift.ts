import type { DriftEvent, ProviderName } from '../events.js';

export interface DriftInput {
  channel: string;
  provider: ProviderName;
  /** What the provider says is present. */
  reported: number;
  /** What the store holds. */
  stored: number;
  /** When the comparison was made (ms). */
  now: number;
}

/** A drift event when the two figures differ, else undefined. Pure. */
export function detectDrift(input: DriftInput): DriftEvent | undefined {
  if (input.reported === input.stored) return undefined;
  return { channel: input.channel, provider: input.provider, reported: input.reported, stored: input.stored, timestamp: input.now };
}
