import { setTimeout as sleep } from 'node:timers/promises';

/** Wait (polling every 20 ms, up to 10 s) until `condition` holds; else throw, saying `what` was awaited. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(20);
  if (!condition()) throw new Error(`gave up waiting: ${what}`);
}
