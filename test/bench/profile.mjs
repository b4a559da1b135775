// CPU profile of one timed block, through the inspector (so fixture building stays out of it).
// The file reads with `node /work/notes/prof.js <file> [filter]` or Chrome DevTools.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Run `fn`; when `dir` is set and `when` is true, write its CPU profile to `dir/<name>.cpuprofile`. */
export async function profiled(dir, name, when, fn) {
  if (dir === undefined || !when) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}
