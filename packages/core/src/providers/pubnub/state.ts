import { parseJson } from '../../http/safe-json.js';

/**
 * A member's state as PubNub sends it: an object, or (Events & Actions) that object encoded as a
 * JSON string. A string that is not JSON is kept as it is; an empty string is no state.
 */
export function parseState(value: unknown): unknown {
  if (typeof value !== 'string') return value === null ? undefined : value;
  const text = value.trim();
  if (text === '') return undefined;
  if (text[0] !== '{' && text[0] !== '[') return value;
  try {
    return parseJson(text);
  } catch {
    return value;
  }
}
