/**
 * The simulator playing Pusher over real HTTP through Express: batched signed webhooks (20 events /
 * 250 ms), the delayed member_removed, retries with backoff for 5 minutes when not answered 2xx,
 * the receiver's read endpoint checked against the truth; and the CLI's `--provider pusher`.
 */
import type { SimulationReport } from '@presence-webhooks/testing/simulator';
import { PUSHER_MAX_BATCH, sortMembers } from '@presence-webhooks/testing/builders';
import { runCli, simulate, SimulationOptionsError } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import type { SimTarget } from './helpers/sim-target.js';
import { SIM_PUSHER_KEY, SIM_PUSHER_SECRET, simTargets } from './helpers/sim-target.js';

const target = simTargets();
const pusher = { provider: 'pusher', key: SIM_PUSHER_KEY, secret: SIM_PUSHER_SECRET } as const;

async function storeState(t: SimTarget, report: SimulationReport): Promise<Record<string, unknown>> {
  await t.receiver.idle();
  const out: Record<string, unknown> = {};
  for (const channel of report.channels) {
    const members = (await t.receiver.store.members(channel)).map((m) => ({ clientId: m.clientId }));
    if (members.length > 0) out[channel] = sortMembers(members);
  }
  return out;
}

describe('simulate: Pusher', () => {
  it('batched webhooks with lost answers (identical retries) end in the truth, read through the read endpoint', async () => {
    const t = await target({ readEndpoint: true });
    const report = await simulate({
      ...pusher,
      url: t.url,
      channels: 4,
      members: 30,
      events: 400,
      durationMs: 10_000,
      timeScale: 50,
      duplicateRate: 0.2,
      seed: 31,
    });
    expect(report.channels.every((c) => c.startsWith('presence-'))).toBe(true);
    expect(report.verification.status).toBe('match');
    expect(report).toMatchObject({ provider: 'pusher', dropped: 0, complete: true });
    expect(report.duplicates).toBeGreaterThan(0);
    // Batching: fewer requests than events, and never more than 20 events a request.
    expect(report.requests - report.retries).toBeLessThan(report.events);
    expect(report.requests - report.retries).toBeGreaterThanOrEqual(Math.ceil(report.events / PUSHER_MAX_BATCH));
    expect(await storeState(t, report)).toEqual(report.truth);
    expect(t.errors).toEqual([]);
  });

  it('500s, unanswered requests and lost answers are retried with backoff, and the set still matches', async () => {
    const t = await target({ readEndpoint: true, faults: { fail500Every: 4, stallEvery: 9, loseAnswerEvery: 7, maxPerBody: 2 } });
    const report = await simulate({
      ...pusher,
      url: t.url,
      channels: 3,
      members: 20,
      events: 200,
      durationMs: 10_000,
      timeScale: 100,
      requestTimeoutMs: 1000,
      duplicateRate: 0,
      seed: 32,
    });
    expect(t.injected.fail500 + t.injected.stall + t.injected.lostAnswer).toBeGreaterThan(0);
    expect(report.statuses['500'] ?? 0).toBe(t.injected.fail500);
    expect(report.retries).toBe(report.requests - report.deliveries);
    expect(report).toMatchObject({ dropped: 0, complete: true });
    expect(report.verification.status).toBe('match');
    expect(await storeState(t, report)).toEqual(report.truth);
  });

  it('options: Pusher needs the app key and secret', async () => {
    await expect(simulate({ provider: 'pusher', key: SIM_PUSHER_KEY, url: 'http://127.0.0.1:1/webhooks' })).rejects.toThrow(
      SimulationOptionsError,
    );
    await expect(simulate({ provider: 'pusher', secret: SIM_PUSHER_SECRET, url: 'http://127.0.0.1:1/webhooks' })).rejects.toThrow(
      /app key/,
    );
  });

  it('the CLI: --provider pusher with $PUSHER_KEY / $PUSHER_SECRET, JSON report, exit 0', async () => {
    const t = await target({ readEndpoint: true });
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (s: string) => void (stdout += s) },
      stderr: { write: (s: string) => void (stderr += s), isTTY: false },
      env: { PUSHER_KEY: SIM_PUSHER_KEY, PUSHER_SECRET: SIM_PUSHER_SECRET },
    };
    const code = await runCli(
      [
        'simulate',
        '--url',
        t.url,
        '--provider',
        'pusher',
        '--channels',
        '3',
        '--members',
        '10',
        '--events',
        '80',
        '--duration',
        '5s',
        '--time-scale',
        '50',
        '--report',
        'json',
        '--quiet',
      ],
      io,
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ provider: 'pusher', verification: { status: 'match' } });
    const missing = await runCli(['simulate', '--url', t.url, '--provider', 'pusher', '--quiet'], { ...io, env: {} });
    expect(missing).toBe(2);
    expect(stderr).toMatch(/--key and --secret are required for Pusher/);
  });
});
