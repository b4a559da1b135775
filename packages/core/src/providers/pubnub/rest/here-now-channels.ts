import { isRecord } from '../../../values.js';

/**
 * The per-channel entries of a global or multi-channel Here Now answer
 * `{ status, message, payload: { total_channels, total_occupancy, channels: { [ch]: { occupancy, uuids } } }, service }`
 * as channel -> entry (each entry reads like a single-channel answer, for hereNowMembers).
 * A multi-channel request naming one channel may be answered in the single-channel shape
 * `{ occupancy, uuids }`: pass that channel as `single` to read it. Undefined for any other shape.
 * Own keys only (a channel named `__proto__` is just a channel). Pure.
 */
export function hereNowChannels(json: unknown, single?: string): Map<string, unknown> | undefined {
  if (!isRecord(json)) return undefined;
  const entries = new Map<string, unknown>();
  if (isRecord(json.payload)) {
    const channels = json.payload.channels;
    if (channels === undefined) return entries; // no channel has anyone
    if (!isRecord(channels)) return undefined;
    for (const name of Object.keys(channels)) entries.set(name, channels[name]);
    return entries;
  }
  if (single !== undefined && (Array.isArray(json.uuids) || typeof json.occupancy === 'number')) {
    entries.set(single, json);
    return entries;
  }
  return undefined;
}
