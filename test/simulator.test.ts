/**
 * The simulator against real servers on loopback: Ably and PubNub histories delivered over HTTP
 * through Express, with the receiver's read endpoint checked against the truth; faults (500s,
 * unanswered requests, lost answers) covered by the providers' retries; what is finally dropped.
 */
import type { SimulationProgress, SimulationReport } from '@presence-webhooks/testing/simulator';
import { exitCodeOf, formatReport, simulate, SimulationOptionsError } from '@presence-webhooks/testing/simulator';
import { sortMembers } from '@presence-webhooks/testing/builders';
import { createReceiver } from '@presence-webhooks/core';
import { describe, expect, it } from 'vitest';
import type { SimTarget } from './helpers/sim-target.js';
import { SIM_KEY, SIM_SECRET, simTargets } from './helpers/sim-target.js';

const target = simTargets();

/** The receiver's store, in the truth's shape, for every channel of the run. */
async function storeState(t: SimTarget, report: SimulationReport): Promise<Record<string, unknown>> {
  await t.receiver.idle();
  const out: Record<string, unknown> = {};
  for (const channel of report.channels) {
    const members = (await t.receiver.store.members(channel)).map(
      (m) => JSON.parse(JSON.stringify({ clientId: m.clientId, connectionId: m.connectionId, data: m.data })) as { clientId: string },
    );
    if (members.length > 0) out[channel] = sortMembers(members);
  }
  return out;
}

const ably = { provider: 'ably', key: SIM_KEY } as const;
const pubnub = { provider: 'pubnub', secret: SIM_SECRET } as const;

describe('simulate over real HTTP', () => {
  it('Ably JSON: the receiver ends with the in-order truth, read through its read endpoint; progress shows the truth so far', async () => {
    const t = await target({ readEndpoint: true });
    const seen: SimulationProgress[] = [];
    const report = await simulate({
      ...ably,
      url: t.url,
      channels: 6,
      members: 40,
      events: 400,
      durationMs: 20_000,
      timeScale: 40,
      seed: 11,
      progressIntervalMs: 50,
      onProgress: (p) => void seen.push(p),
    });
    expect(report.verification.status).toBe('match');
    expect(report).toMatchObject({ provider: 'ably', target: t.url, seed: 11, events: 400, dropped: 0, complete: true });
    expect(report.statuses).toEqual({ 200: report.requests });
    expect(report.deliveries).toBe(report.requests);
    expect(await storeState(t, report)).toEqual(report.truth);
    expect(Object.keys(report.truth).length).toBeGreaterThan(0);
    expect(exitCodeOf(report)).toBe(0);
    expect(t.errors).toEqual([]);
    // Progress: the history unfolds (generated grows to every event), and the truth so far ends as the truth.
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.some((p) => p.generated < p.events)).toBe(true);
    expect(seen.map((p) => p.generated)).toEqual([...seen.map((p) => p.generated)].sort((a, b) => a - b));
    const last = seen[seen.length - 1] as SimulationProgress;
    expect(last).toMatchObject({ generated: 400, delivered: 400, dropped: 0 });
    expect(Object.fromEntries(last.truth())).toEqual(report.truth);
    const early = seen.find((p) => p.generated > 0 && p.generated < 200) as SimulationProgress;
    expect([...early.truth().values()].flat().length).toBeGreaterThan(0);
  });

  it('Ably MsgPack from 2 sites in batches of at most 25 messages: duplicates from lost answers are harmless', async () => {
    const t = await target({ readEndpoint: true });
    const report = await simulate({
      ...ably,
      url: t.url,
      format: 'msgpack',
      sites: 2,
      batchSize: 25,
      duplicateRate: 0.3,
      channels: ['ch:a', 'ch/b', 'ch c'],
      members: 30,
      events: 300,
      durationMs: 10_000,
      timeScale: 50,
      seed: 12,
    });
    expect(report.verification.status).toBe('match');
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.retries).toBeGreaterThanOrEqual(report.duplicates);
    expect(report.requests).toBeGreaterThanOrEqual(300 / 25);
    expect(await storeState(t, report)).toEqual(report.truth);
  });

  it('PubNub (secret in ?secret=): legacy, multipart and Events & Actions webhooks end in the truth', async () => {
    const t = await target({ readEndpoint: true });
    const report = await simulate({
      ...pubnub,
      secretIn: 'query',
      url: t.url,
      channels: 5,
      members: 30,
      events: 300,
      durationMs: 20_000,
      timeScale: 40,
      seed: 13,
    });
    expect(report.verification.status).toBe('match');
    expect(report).toMatchObject({ dropped: 0, complete: true });
    expect(report.duplicates).toBeGreaterThan(0); // the planner's resends
    expect(await storeState(t, report)).toEqual(report.truth);
    expect(t.errors).toEqual([]);
  });

  for (const options of [ably, pubnub]) {
    it(`${options.provider}: 500s, unanswered requests and lost answers are retried on the provider's schedule, and the set still matches`, async () => {
      // At most 2 faults per body: PubNub's 4 attempts always get a webhook in (Ably's retries go on for 5 minutes anyway).
      const t = await target({ readEndpoint: true, faults: { fail500Every: 4, stallEvery: 9, loseAnswerEvery: 7, maxPerBody: 2 } });
      const report = await simulate({
        ...options,
        url: t.url,
        channels: 4,
        members: 25,
        events: 200,
        durationMs: 10_000,
        timeScale: 50,
        requestTimeoutMs: 1000,
        duplicateRate: 0,
        seed: 14,
      });
      expect(t.injected.fail500).toBeGreaterThan(0);
      expect(t.injected.stall).toBeGreaterThan(0);
      expect(t.injected.lostAnswer).toBeGreaterThan(0);
      expect(report.statuses['500']).toBe(t.injected.fail500);
      // Every stall is a timeout and every lost answer a connection error (a loaded machine may add timeouts of its own).
      expect(report.statuses.timeout).toBeGreaterThanOrEqual(t.injected.stall);
      expect(report.statuses.error).toBeGreaterThanOrEqual(t.injected.lostAnswer);
      const failures = report.requests - report.deliveries + report.duplicates;
      expect(failures).toBeGreaterThanOrEqual(t.injected.fail500 + t.injected.stall + t.injected.lostAnswer);
      // Ably retries every failed batch (until 5 minutes); PubNub each webhook up to its 4th attempt.
      if (options.provider === 'ably') expect(report.retries).toBe(failures);
      else {
        expect(report.retries).toBeGreaterThan(failures / 2);
        expect(report.retries).toBeLessThanOrEqual(failures);
      }
      expect(report).toMatchObject({ dropped: 0, complete: true });
      expect(report.verification.status).toBe('match');
      expect(await storeState(t, report)).toEqual(report.truth);
    });
  }

  it('PubNub against a server that always fails: 4 attempts per webhook, 5 s apart, then every event is dropped', async () => {
    const t = await target({ readEndpoint: true, faults: { alwaysFail: true } });
    const report = await simulate({
      ...pubnub,
      url: t.url,
      channels: 2,
      members: 5,
      events: 20,
      durationMs: 5000,
      timeScale: 500,
      duplicateRate: 0,
      seed: 15,
    });
    expect(report.deliveries).toBe(0);
    expect(report.requests % 4).toBe(0);
    expect(report.retries).toBe((report.requests / 4) * 3);
    expect(report.dropped).toBe(report.events);
    expect(report.droppedEvents).toHaveLength(report.events);
    expect(report.complete).toBe(true);
    expect(report.verification.status).toBe('match'); // nothing reached it, so it must hold nothing
    expect(await storeState(t, report)).toEqual({});
    expect(exitCodeOf(report)).toBe(1);
  });

  it('Ably against a server that always fails: one site backs off (1 s x √2 per failure, at most 60 s) and drops events after 5 minutes', async () => {
    const t = await target({ faults: { alwaysFail: true } });
    // x150: 5 minutes take 2 s; each real millisecond of an answer is 0.15 s of provider time.
    const report = await simulate({
      ...ably,
      url: t.url,
      sites: 1,
      channels: 1,
      members: 3,
      events: 6,
      durationMs: 500,
      timeScale: 150,
      duplicateRate: 0,
      seed: 16,
    });
    // Attempts at 0, 1.4, 3.4, 6.2, 10.2, 15.9, 23.9, 35.2, 51.2, 73.8, 105.8, 151.1, 211.1, 271.1 s (waits x√2, at most 60 s);
    // the next would be at 331 s, past the 5 minutes: 14 attempts (fewer only when slow answers add up to a minute).
    // (Doubling waits would give 9.)
    expect(report.requests).toBeGreaterThanOrEqual(12);
    expect(report.requests).toBeLessThanOrEqual(14);
    expect(report.dropped).toBe(report.events);
    expect(report.verification.status).toBe('unavailable'); // no read endpoint on this server
    expect(exitCodeOf(report)).toBe(1);
  });

  it('an in-process receiver as the target (no HTTP): verified from its store', async () => {
    const receiver = createReceiver({ ably: { keys: [SIM_KEY] } });
    const report = await simulate({ ...ably, receiver, channels: 3, members: 20, events: 150, durationMs: 5000, timeScale: 100, seed: 17 });
    expect(report.target).toBe('receiver');
    expect(report.verification.status).toBe('match');
    expect(report.verification).toMatchObject({ channels: expect.arrayContaining([expect.objectContaining({ match: true })]) });
  });

  it('a receiver that acknowledges deliveries it does not apply is a mismatch, naming who is missing or held wrongly', async () => {
    const t = await target({ readEndpoint: true, faults: { swallowEvery: 3 } });
    const report = await simulate({
      ...pubnub,
      url: t.url,
      channels: 3,
      members: 20,
      events: 150,
      durationMs: 5000,
      timeScale: 100,
      settleMs: 300,
      seed: 18,
    });
    expect(t.injected.swallowed).toBeGreaterThan(0);
    expect(report).toMatchObject({ dropped: 0, complete: true });
    expect(report.verification.status).toBe('mismatch');
    if (report.verification.status !== 'mismatch') return;
    const bad = report.verification.channels.filter((c) => !c.match);
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((c) => c.missing.length + c.extra.length + c.differing.length > 0)).toBe(true);
    expect(exitCodeOf(report)).toBe(1);
  });

  it('an aborted run: an unfinished report, exit code 1', async () => {
    const receiver = createReceiver({ ably: { keys: [SIM_KEY] } });
    const report = await simulate({
      ...ably,
      receiver,
      channels: 2,
      members: 10,
      events: 60,
      durationMs: 2000,
      timeScale: 200,
      seed: 20,
      signal: AbortSignal.abort(),
    });
    expect(report.complete).toBe(false);
    expect(report.requests).toBe(0);
    expect(exitCodeOf(report)).toBe(1);
  });

  it('stops at maxRunMs: an unfinished report, exit code 1', async () => {
    const t = await target({ readEndpoint: true });
    const report = await simulate({
      ...pubnub,
      url: t.url,
      channels: 2,
      members: 10,
      events: 100,
      durationMs: 60_000,
      timeScale: 1,
      maxRunMs: 300,
      seed: 19,
    });
    expect(report.complete).toBe(false);
    expect(report.elapsedMs).toBeLessThan(60_000);
    expect(report.verification.status).toBe('match'); // what it acknowledged is what it holds
    expect(exitCodeOf(report)).toBe(1);
  });

  it('--duration is the provider time the history spans, trailing leaves included, so a run at time scale 1 lasts about that long; the report says when the events cannot fit', async () => {
    const receiver = createReceiver({ ably: { keys: [SIM_KEY] }, pubnub: { secret: SIM_SECRET } });
    try {
      const run = { receiver, verify: false, timeScale: 5000, seed: 3 } as const;
      for (const shape of [
        { ...ably, channels: 4, members: 12, events: 400, durationMs: 60_000 },
        { ...ably, channels: 50, members: 1000, events: 4000, durationMs: 30_000 },
        { ...pubnub, channels: 3, members: 10, events: 300, durationMs: 60_000 },
      ]) {
        const report = await simulate({ ...run, ...shape });
        expect(report.durationMs).toBe(shape.durationMs);
        expect(report.spanMs, `${shape.provider} ${shape.events} events`).toBeLessThanOrEqual(shape.durationMs * 1.05);
        expect(report.spanMs, `${shape.provider} ${shape.events} events`).toBeGreaterThanOrEqual(shape.durationMs * 0.8);
        expect(formatReport(report)).not.toMatch(/is too short/);
      }
      // Ably synthesizes a leave 15 s after a connection drops: 5 s cannot hold that.
      const short = await simulate({ ...run, ...ably, channels: 2, members: 10, events: 100, durationMs: 5000 });
      expect(short.spanMs).toBeGreaterThan(5000 * 1.05);
      expect(formatReport(short)).toMatch(
        /--duration 5\.0 s is too short for these events: Ably synthesizes a leave 15 s after a connection drops/,
      );
      // No --duration asked: the default's span is not blamed on the user (Ably's leaves take it past 10 s).
      const unasked = await simulate({ ...run, ...ably, channels: 2, members: 10, events: 100 });
      expect(unasked.spanMs).toBeGreaterThan(10_000 * 1.05);
      expect(unasked.durationMs).toBe(unasked.spanMs);
      expect(formatReport(unasked)).not.toMatch(/is too short/);
    } finally {
      await receiver.close();
    }
  });

  it('refuses options that cannot work, with a clear message', async () => {
    const bad: [Parameters<typeof simulate>[0], RegExp][] = [
      [{ provider: 'ably', url: 'http://127.0.0.1:1/webhooks' }, /key must be the API key/],
      [{ provider: 'pubnub', url: 'http://127.0.0.1:1/webhooks' }, /secret must be the shared secret/],
      [{ provider: 'ably', key: SIM_KEY }, /either url .* or receiver/],
      [{ provider: 'ably', key: SIM_KEY, url: 'ftp://x' }, /http:\/\/ or https:\/\//],
      [{ provider: 'ably', key: SIM_KEY, url: 'http://x', timeScale: 0 }, /timeScale must be a number above 0/],
      [{ provider: 'ably', key: SIM_KEY, url: 'http://x', channels: ['a', 'a'] }, /must not repeat/],
      [{ provider: 'ably', key: SIM_KEY, url: 'http://x', members: 1.5 }, /members must be an integer/],
      [{ provider: 'nope' as 'ably', key: SIM_KEY, url: 'http://x' }, /provider must be/],
    ];
    for (const [options, message] of bad) {
      await expect(simulate(options)).rejects.toThrow(SimulationOptionsError);
      await expect(simulate(options)).rejects.toThrow(message);
    }
  });
});
