import type { Member, ProviderName } from '../events.js';
import { nonNegativeNumber, oneOf, optionalFunction, optionError, positiveNumber } from '../option-checks.js';
import type { EmitMode } from '../options/receiver-options.js';

export interface ResolvedTrackerOptions {
  /** Off (`users: false`, or a store without user levels): undefined. */
  users: { graceMs: number; lastSeenMs: number; id: ((member: Member, provider: ProviderName) => string) | undefined } | undefined;
  /** True when `users` was given explicitly: a store without user levels is then an error. */
  usersRequired: boolean;
  emit: EmitMode;
  /** Events older than this (ms) for members the store holds nothing of are stale; Infinity: no bound (replaying recorded fixtures). */
  maxEventAgeMs: number | undefined;
  /** emit 'once': a change unacknowledged this long (ms) is emitted by another instance. */
  claimAfterMs: number;
  /** How far ahead of the receiver's clock a provider time may be (checked by the providers; repairs remove ghosts beyond it). */
  maxClockSkewMs?: number;
}

export const DEFAULT_LAST_SEEN_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_CLAIM_AFTER_MS = 10_000;

/** Check and default the tracker's options (users, emit, maxEventAgeMs, claimAfterMs). */
export function resolveTrackerOptions(input: {
  users?: unknown;
  emit?: unknown;
  maxEventAgeMs?: unknown;
  claimAfterMs?: unknown;
  maxClockSkewMs?: number;
}): ResolvedTrackerOptions {
  let users: ResolvedTrackerOptions['users'];
  if (input.users !== false) {
    const given = input.users ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw optionError('users', 'an object or false', given);
    const u = given as Record<string, unknown>;
    users = {
      graceMs: nonNegativeNumber(u.graceMs, 'users.graceMs', 0),
      lastSeenMs: positiveNumber(u.lastSeenMs, 'users.lastSeenMs', DEFAULT_LAST_SEEN_MS),
      id: optionalFunction<(member: Member, provider: ProviderName) => string>(u.id, 'users.id'),
    };
  }
  const age = input.maxEventAgeMs;
  if (age !== undefined && !(typeof age === 'number' && age > 0 && !Number.isNaN(age)))
    throw optionError('maxEventAgeMs', 'a positive number of ms (Infinity to replay recorded fixtures)', age);
  return {
    users,
    usersRequired: input.users !== undefined && input.users !== false,
    emit: oneOf(input.emit, 'emit', ['once', 'everywhere'] as const, 'once'),
    maxEventAgeMs: age,
    claimAfterMs: positiveNumber(input.claimAfterMs, 'claimAfterMs', DEFAULT_CLAIM_AFTER_MS),
    ...(input.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: input.maxClockSkewMs }),
  };
}
