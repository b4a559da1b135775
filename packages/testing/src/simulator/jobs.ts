import type { StreamContext } from './context.js';

/** One planned delivery of a webhook: its bytes, when it is first sent, the history entries it carries. */
export interface PlannedDelivery<E> {
  request: object;
  atMs: number;
  entries: readonly E[];
}

/** One webhook and its fate: how many of its first answers get lost (the provider then sends the same bytes again). */
export interface Job<D> {
  first: D;
  lostAnswers: number;
}

/**
 * Play a delivery plan: the planner repeats a request for each answer lost on the way back, so the
 * repeats of one request become one job counting its lost answers; each job starts at its first
 * delivery's time and runs its provider's retry rule (`run`, given the indices of its entries in
 * `entries`). Resolves when every job is done.
 */
export async function playJobs<E, D extends PlannedDelivery<E>>(
  ctx: StreamContext,
  entries: readonly E[],
  plan: readonly D[],
  run: (job: Job<D>, indices: readonly number[]) => Promise<void>,
): Promise<void> {
  const indexOf = new Map<E, number>(entries.map((entry, i) => [entry, i]));
  const jobs = new Map<object, Job<D>>();
  for (const delivery of plan) {
    const job = jobs.get(delivery.request);
    if (job === undefined) jobs.set(delivery.request, { first: delivery, lostAnswers: 0 });
    else job.lostAnswers++;
  }
  const running: Promise<void>[] = [];
  for (const job of [...jobs.values()].sort((a, b) => a.first.atMs - b.first.atMs)) {
    await ctx.clock.until(job.first.atMs);
    if (ctx.signal.aborted) break;
    running.push(
      run(
        job,
        job.first.entries.map((e) => indexOf.get(e) as number),
      ),
    );
  }
  await Promise.all(running);
}
