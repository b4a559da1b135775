import type { PusherSignOptions } from '../pusher-builders.js';
import type { PusherDelivery } from '../pusher-deliveries.js';
import { pusherDeliveries, pusherRetryDelays } from '../pusher-deliveries.js';
import type { StreamContext } from './context.js';
import { sendCounted } from './context.js';
import type { Job } from './jobs.js';
import { playJobs } from './jobs.js';
import { isSuccess } from './stats.js';

/** How late a webhook leaves Pusher after its batch closed, at most (simulated ms): deliveries overtake each other. */
export const PUSHER_MAX_NETWORK_DELAY_MS = 500;
/** Pusher waits this long for a 2xx before it counts the attempt as failed (real ms). */
export const PUSHER_ANSWER_TIMEOUT_MS = 3000;

/**
 * Deliver a Pusher history the way Pusher does with batching on: up to 20 events or 250 ms in one
 * signed body (the history already carries the 3 s delayed member_removed, dropped when the user
 * came back), reordered by network delay. A webhook not answered 2xx is retried with the same body
 * with backoff (1 s doubling) for 5 minutes, then dropped; the planner's retries (answers lost in
 * the network) make the receiver see identical duplicates.
 */
export async function deliverPusher(ctx: StreamContext, sign: PusherSignOptions): Promise<void> {
  const entries = ctx.history.pusher?.entries ?? [];
  const plan = pusherDeliveries(entries, ctx.random, {
    ...sign,
    batchShare: 1,
    fullBatches: true,
    reorder: 'network',
    retryRate: ctx.duplicateRate,
    maxDelayMs: PUSHER_MAX_NETWORK_DELAY_MS,
  });
  await playJobs(ctx, entries, plan, (job, indices) => runJob(ctx, job, indices));
}

async function runJob(ctx: StreamContext, job: Job<PusherDelivery>, indices: readonly number[]): Promise<void> {
  const firstAt = ctx.clock.now();
  const delays = pusherRetryDelays();
  for (let attempt = 1; ; attempt++) {
    const outcome = await sendCounted(ctx, job.first.request, indices, attempt > 1);
    const ok = isSuccess(outcome);
    if (ok && attempt > job.lostAnswers) return;
    if (ok) ctx.stats.duplicates++;
    const next = delays[attempt - 1];
    if (next === undefined || ctx.signal.aborted) break;
    await ctx.clock.until(firstAt + next);
    if (ctx.signal.aborted) return;
  }
  if (!ctx.signal.aborted) for (const i of indices) if (ctx.delivered[i] === 0) ctx.dropped[i] = 1;
}
