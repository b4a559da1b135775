import type { BuiltRequest } from '../ably-builders.js';
import type { Random } from '../random.js';
import type { SimClock } from './clock.js';
import type { SimHistory } from './history.js';
import type { Limiter } from './limiter.js';
import type { Stats } from './stats.js';
import { isSuccess } from './stats.js';
import type { Outcome, Transport } from './transport.js';

/** What a provider's delivery loop works with. */
export interface StreamContext {
  history: SimHistory;
  clock: SimClock;
  transport: Transport;
  limiter: Limiter;
  stats: Stats;
  random: Random;
  signal: AbortSignal;
  /** Real ms to wait for an answer. */
  timeoutMs: number;
  duplicateRate: number;
  /** Per event (index into history.events): 1 once a request carrying it was answered 2xx. */
  delivered: Uint8Array;
  /** Per event: 1 once the provider gave up on it. */
  dropped: Uint8Array;
  /** Per event: 1 once a request carrying it got no answer (timeout, connection lost): the receiver may have applied it. */
  unanswered: Uint8Array;
}

/** Send one request carrying the events at `indices` through the limiter, and count it. */
export async function sendCounted(ctx: StreamContext, request: BuiltRequest, indices: readonly number[], retry: boolean): Promise<Outcome> {
  ctx.stats.inFlight++;
  const outcome = await ctx.limiter.run(() => ctx.transport.post(request, ctx.timeoutMs));
  ctx.stats.inFlight--;
  ctx.stats.record(outcome, retry);
  if (isSuccess(outcome)) for (const i of indices) ctx.delivered[i] = 1;
  else if (typeof outcome.status !== 'number') for (const i of indices) ctx.unanswered[i] = 1;
  return outcome;
}
