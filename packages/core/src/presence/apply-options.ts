import { optionError } from '../option-checks.js';
import type { ApplyOptions } from '../store.js';

/**
 * Check `apply`'s options shared by every store (the watermarks, staleBefore) before anything is merged (bad
 * options change nothing) and answer the
 * watermarks as channel -> time (the largest when a channel is listed twice), or undefined when none.
 */
export function checkApplyOptions(options: ApplyOptions | undefined): Map<string, number> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw optionError('apply options', 'an object', options);
  const { staleBefore } = options;
  if (staleBefore !== undefined && !(typeof staleBefore === 'number' && Number.isFinite(staleBefore)))
    throw optionError('staleBefore', 'a finite number (ms)', staleBefore);
  const list: unknown = options.watermarks;
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw optionError('watermarks', 'an array of { channel, time }', list);
  if (list.length === 0) return undefined;
  const out = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw optionError(`watermarks[${i}]`, 'an object { channel, time }', entry);
    const { channel, time } = entry as { channel?: unknown; time?: unknown };
    if (typeof channel !== 'string') throw optionError(`watermarks[${i}].channel`, 'a string', channel);
    if (!(typeof time === 'number' && Number.isFinite(time))) throw optionError(`watermarks[${i}].time`, 'a finite number (ms)', time);
    const held = out.get(channel);
    if (held === undefined || time > held) out.set(channel, time);
  });
  return out;
}
