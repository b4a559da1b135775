/** The CLI's progress output (a bar redrawn in place on a terminal, plain lines otherwise) and its time parsing. */
import { parseDuration } from '../packages/testing/src/cli/duration.js';
import { progressPrinter, reconcileProgressPrinter } from '../packages/testing/src/cli/progress.js';
import type { SimulationProgress } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';

function progress(at: number, delivered: number, finished = false, requests = delivered): SimulationProgress {
  return {
    elapsedMs: at,
    simulatedMs: at,
    spanMs: 10_000,
    events: 100,
    generated: delivered,
    delivered,
    dropped: 0,
    requests,
    retries: 1,
    inFlight: 0,
    statuses: {},
    finished,
    truth: () => new Map(),
  };
}

describe('CLI progress', () => {
  it('on a terminal: one line redrawn with \\r, a bar and the counts; 100% and a full bar only on the last call; a newline at the end', () => {
    let out = '';
    const printer = progressPrinter({ write: (text: string) => (out += text), isTTY: true, columns: 120 });
    printer.onProgress(progress(500, 25));
    printer.onProgress(progress(1000, 100)); // every event settled, but the run has not said it is finished
    printer.onProgress(progress(1100, 100, true));
    printer.finish();
    const frames = out.split('\r').filter((f) => f !== '');
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatch(/^\[#+-+\] {2}25% {2}25\/100 events .*retries 1/);
    expect(frames[1]).toMatch(/^\[#+-+\] {2}99% {2}100\/100 events/);
    expect(frames[2]).toMatch(/^\[#+\] 100% {2}100\/100 events/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('the bar is never full before the end, whatever the width', () => {
    for (const columns of [40, 80, 120, 200]) {
      let out = '';
      const printer = progressPrinter({ write: (text: string) => (out += text), isTTY: true, columns });
      for (let delivered = 90; delivered <= 100; delivered++) printer.onProgress(progress(delivered * 10, delivered));
      for (const frame of out.split('\r').filter((f) => f !== '')) expect(frame, `${columns} columns`).toMatch(/^\[#*-+\] +\d\d%/);
    }
  });

  it('the request rate is smoothed: bursts once a second (as Ably sends) read as a steady rate, not 0 and 12', () => {
    let out = '';
    const printer = progressPrinter({ write: (text: string) => (out += text), isTTY: true, columns: 200 });
    // 3 sites, each sending one request a second, all in the same 50 ms; a sample every 250 ms.
    for (let at = 250; at <= 12_000; at += 250) printer.onProgress(progress(at, Math.min(99, at / 200), false, 3 * Math.floor(at / 1000)));
    const rates = out
      .split('\r')
      .filter((f) => f !== '')
      .map((f) => Number(/ ([\d.]+) req\/s/.exec(f)?.[1]))
      .slice(20); // after the first 5 s
    expect(rates.length).toBeGreaterThan(20);
    for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(2.4);
    for (const rate of rates) expect(rate).toBeLessThanOrEqual(3.6);
  });

  it('elsewhere: plain lines, at most one per interval, and the last one', () => {
    let out = '';
    const printer = progressPrinter({ write: (text: string) => (out += text), isTTY: false }, 2000);
    for (let at = 0; at <= 5000; at += 500) printer.onProgress(progress(at, Math.min(99, at / 60)));
    printer.onProgress(progress(5200, 100));
    printer.onProgress(progress(5300, 100, true));
    printer.onProgress(progress(5400, 100, true));
    printer.finish();
    const lines = out.trim().split('\n');
    expect(lines.every((l) => l.startsWith('progress '))).toBe(true);
    expect(lines).toHaveLength(4); // at 0, 2000 and 4000 ms, and 100% once
    expect(lines.at(-1)).toMatch(/^progress 100%: 100\/100 events/);
    expect(lines.filter((l) => l.startsWith('progress 100%'))).toHaveLength(1);
    expect(out).not.toContain('\r');
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m, h and bare seconds; refuses anything else', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('12')).toBe(12_000);
    for (const bad of ['', 's', '-1s', '1 d', 'soon', '1e3']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

describe('reconcile progress', () => {
  it('on a terminal: the provider, its phase and channels done; 100% only on done; nothing when not a terminal', () => {
    let out = '';
    let clock = 0;
    const printer = reconcileProgressPrinter({ write: (text: string) => (out += text), isTTY: true, columns: 120 }, () => (clock += 100));
    printer.onProgress({ provider: 'ably', phase: 'list', done: 0, total: 0 });
    printer.onProgress({ provider: 'ably', phase: 'snapshot', done: 50, total: 200 });
    printer.onProgress({ provider: 'ably', phase: 'snapshot', done: 200, total: 200 });
    printer.onProgress({ provider: 'ably', phase: 'done', done: 200, total: 200 });
    printer.finish();
    const frames = out.split('\r').filter((f) => f !== '');
    expect(frames).toHaveLength(4);
    expect(frames[0]).toMatch(/^\[-+\] {3}0% {2}ably listing {2}0\/0 channels/);
    expect(frames[1]).toMatch(/^\[#+-+\] {2}25% {2}ably snapshot {2}50\/200 channels/);
    expect(frames[2]).toMatch(/^\[#+-+\] {2}99% /);
    expect(frames[3]).toMatch(/^\[#+\] 100% {2}ably done {2}200\/200 channels/);
    expect(out.endsWith('\n')).toBe(true);
    let plain = '';
    const quiet = reconcileProgressPrinter({ write: (text: string) => (plain += text) });
    quiet.onProgress({ provider: 'pubnub', phase: 'snapshot', done: 1, total: 2 });
    quiet.finish();
    expect(plain).toBe('');
  });
});
