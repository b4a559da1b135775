import type { SecretOptions } from '../secret-options.js';
import type { PubNubDelivery } from '../pubnub-deliveries.js';
import { PUBNUB_MAX_ATTEMPTS, PUBNUB_RESEND_DELAY_MS, pubnubDeliveries } from '../pubnub-deliveries.js';
import type { StreamContext } from './context.js';
import { sendCounted } from './context.js';
import type { Job } from './jobs.js';
import { playJobs } from './jobs.js';
import { isSuccess } from './stats.js';

/** How late a webhook leaves PubNub after its event, at most (simulated ms): deliveries overtake each other. */
export const PUBNUB_MAX_NETWORK_DELAY_MS = 1000;

/**
 * Deliver a PubNub history the way PubNub does: each event as a legacy webhook (JSON; multipart for
 * channel active / inactive) or in an Events & Actions batch (the existing delivery planner decides,
 * with network delays that reorder them). A webhook not answered 2xx within the timeout is sent
 * again 5 s after the previous attempt, 4 attempts in all, then dropped; the planner's resends
 * (answers lost in the network) make the first answers of some webhooks count as failures, so the
 * receiver gets identical duplicates.
 */
export async function deliverPubNub(ctx: StreamContext, secret: SecretOptions): Promise<void> {
  const entries = ctx.history.pubnub?.entries ?? [];
  const plan = pubnubDeliveries(entries, ctx.random, {
    ...secret,
    reorder: 'network',
    resendRate: ctx.duplicateRate,
    maxDelayMs: PUBNUB_MAX_NETWORK_DELAY_MS,
  });
  await playJobs(ctx, entries, plan, (job, indices) => runJob(ctx, job, indices));
}

async function runJob(ctx: StreamContext, job: Job<PubNubDelivery>, indices: readonly number[]): Promise<void> {
  for (let attempt = 1; attempt <= PUBNUB_MAX_ATTEMPTS; attempt++) {
    const sentAt = ctx.clock.now();
    const outcome = await sendCounted(ctx, job.first.request, indices, attempt > 1);
    const ok = isSuccess(outcome);
    if (ok && attempt > job.lostAnswers) return;
    if (ok) ctx.stats.duplicates++;
    if (attempt === PUBNUB_MAX_ATTEMPTS || ctx.signal.aborted) break;
    await ctx.clock.until(sentAt + PUBNUB_RESEND_DELAY_MS);
    if (ctx.signal.aborted) return;
  }
  if (!ctx.signal.aborted) for (const i of indices) if (ctx.delivered[i] === 0) ctx.dropped[i] = 1;
}
