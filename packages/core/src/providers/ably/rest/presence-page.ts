import type { PresenceEvent } from '../../../events.js';
import type { ItemProblem } from '../../../errors.js';
import type { CipherKey } from '../options.js';
import { presenceEventFromRaw } from '../presence-message.js';

/**
 * One page of Ably's REST presence answer (an array of presence messages, action PRESENT) to
 * events, through the very decoding webhooks go through: ids, timestamps and the data encoding
 * chain are read the same way. Items that cannot be read go to `problems` and are counted as
 * `invalid` (a member we cannot name: no leave may be inferred then). Pure.
 */
export function ablyPresencePage(
  page: unknown,
  channel: string,
  cipherKey: (channel: string) => CipherKey | undefined,
  problems: ItemProblem[],
): { events: PresenceEvent[]; invalid: number } | undefined {
  if (!Array.isArray(page)) return undefined;
  const events: PresenceEvent[] = [];
  let invalid = 0;
  const ctx = { channel, cipherKey, problems };
  for (const raw of page) {
    const event = presenceEventFromRaw(raw, ctx);
    if (event instanceof Error) {
      problems.push(event);
      invalid++;
    } else {
      events.push(event);
    }
  }
  return { events, invalid };
}

/** Ably's error body: `{ error: { message, code, statusCode } }`. */
export function ablyErrorMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, code } = error as { message?: unknown; code?: unknown };
  if (typeof message !== 'string') return undefined;
  return typeof code === 'number' ? `${message} (Ably error ${code})` : message;
}
