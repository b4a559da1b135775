import type { ReconcileResult } from '@presence-webhooks/core';

type ProviderReconcileResult = NonNullable<ReconcileResult['providers']['ably']>;
import type { SimulationReport } from '../simulator/types.js';
import { stopsTheRun } from '../simulator/preflight.js';
import type { ReconcileRun } from './reconcile.js';
import { formatDuration } from './duration.js';

const n = (value: number) => value.toLocaleString('en-US');

/** 0: the receiver's set equals the truth (or there is no read endpoint) and nothing was dropped; 1: mismatch, drops, unfinished run or verification; 2: refused read token, nothing mounted at the URL's path (404), or nothing answers at the URL (checked before the load). */
export function exitCodeOf(report: SimulationReport): 0 | 1 | 2 {
  if (stopsTheRun(report.preflight)) return 2;
  const { status } = report.verification;
  if (status === 'unauthorized') return 2;
  if (status === 'mismatch' || status === 'error' || status === 'incomplete') return 1;
  return report.dropped > 0 || !report.complete ? 1 : 0;
}

function list(ids: readonly string[], max = 5): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

const UNAUTHORIZED_HINTS = {
  ably: 'the receiver answered 401: is --key one of the keys it trusts (ably.keys)?',
  pubnub: 'the receiver answered 401: is --secret its pubnub.secret, sent where it looks (--secret-header, --secret-in)?',
  pusher: 'the receiver answered 401: are --key and --secret an app key and secret it trusts (pusher.keys)?',
} as const;

/** What the answers suggest to check. */
export function hints(report: Pick<SimulationReport, 'statuses' | 'provider' | 'deliveries' | 'target'>): string[] {
  const out: string[] = [];
  const s = report.statuses;
  if ((s['401'] ?? 0) > 0) out.push(UNAUTHORIZED_HINTS[report.provider]);
  if ((s['429'] ?? 0) > 0)
    out.push(
      'the receiver answered 429: after 20 wrong shared secrets (PubNub, or an Ably secret) from one address it refuses that address until a minute from the first has passed (an earlier run with a wrong secret does that); wait a minute, or restart the receiver. A proxy in front of it may answer 429 too',
    );
  if ((s['404'] ?? 0) > 0 || (s['405'] ?? 0) > 0)
    out.push('the receiver answered 404/405: is --url the path the webhook middleware is mounted on?');
  if (report.deliveries === 0 && (s.error ?? 0) > 0) out.push(`nothing answered at ${report.target}: is the server running there?`);
  if ((s.timeout ?? 0) > 0)
    out.push('some requests were not answered in time (--timeout): a provider resends those, so answer 200 before slow work');
  return out;
}

/** Why the history spans more provider time than --duration asked for, when it does. */
function spanNote(report: SimulationReport): string {
  if (report.spanMs <= report.durationMs * 1.05) return '';
  const why =
    report.provider === 'ably'
      ? 'Ably synthesizes a leave 15 s after a connection drops'
      : "PubNub keeps a second between one member's events on a channel (legacy webhooks carry whole seconds)";
  return ` (--duration ${formatDuration(report.durationMs)} is too short for these events: ${why}; fewer --events or a longer --duration fit)`;
}

/** The final report as text lines. */
export function formatReport(report: SimulationReport): string {
  const lines: string[] = [];
  const p = report.preflight;
  if (stopsTheRun(p)) {
    lines.push(`presence-webhooks simulate: ${report.provider} -> ${report.target}`);
    lines.push(`  stopped     before the load, nothing sent: ${p.reason}`);
    lines.push(`RESULT: FAILED (exit code ${exitCodeOf(report)})`);
    return lines.join('\n');
  }
  const channels = report.channels.length;
  const present = Object.values(report.truth).reduce((sum, members) => sum + members.length, 0);
  lines.push(`presence-webhooks simulate: ${report.provider} -> ${report.target}`);
  lines.push(
    `  history     ${n(report.events)} events on ${n(channels)} channels, ${n(report.members)} members, seed ${report.seed}; ${formatDuration(report.spanMs)} of provider time at x${report.timeScale}${spanNote(report)}`,
  );
  lines.push(
    `  requests    ${n(report.requests)} sent, ${n(report.deliveries)} answered 2xx; ${n(report.retries)} retries, ${n(report.duplicates)} duplicates (2xx treated as lost)`,
  );
  lines.push(
    `  throughput  ${n(report.eventsPerSecond)} events/s, ${n(report.requestsPerSecond)} requests/s over ${formatDuration(report.elapsedMs)}`,
  );
  const l = report.latencyMs;
  lines.push(`  answer time p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms`);
  lines.push(
    `  answers     ${
      Object.entries(report.statuses)
        .map(([status, count]) => `${status} x${n(count)}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push(
    `  dropped     ${
      report.dropped === 0
        ? 'none'
        : `${n(report.dropped)} events the provider gave up on (${list(
            report.droppedEvents.map((e) => `${e.channel}:${e.id}`),
            3,
          )})`
    }`,
  );
  if (!report.complete) lines.push('  unfinished  the run was stopped before every event was delivered or dropped');
  lines.push(`  truth       ${n(present)} members present at the end, in-order`);
  const v = report.verification;
  let verdict: string;
  switch (v.status) {
    case 'skipped':
      verdict = 'not compared (--no-verify)';
      break;
    case 'unavailable':
    case 'unauthorized':
    case 'error':
      verdict = `not compared: ${v.reason}`;
      break;
    case 'match':
      verdict =
        report.deliveries === 0 && report.events > 0
          ? `not compared: the receiver answered 2xx to none of the ${n(report.requests)} requests, so there is nothing it should hold`
          : report.dropped === 0 && report.complete
            ? `MATCH: the receiver's set equals the truth on all ${n(v.channels.length)} channels`
            : `MATCH with what it answered 2xx for, on all ${n(v.channels.length)} channels (the events it never got are left out)`;
      break;
    case 'incomplete': {
      const bad = v.channels.filter((c) => !c.match).length;
      verdict = `NOT VERIFIED: verification cut short (${v.reason}); ${n(v.unverified.length)} of ${n(v.unverified.length + v.channels.length)} channels not read (${list(v.unverified)})`;
      if (v.channels.length > 0) verdict += `; of those read, ${bad === 0 ? 'all match' : `${n(bad)} differ`}`;
      break;
    }
    case 'mismatch': {
      const bad = v.channels.filter((c) => !c.match);
      verdict = `MISMATCH on ${n(bad.length)} of ${n(v.channels.length)} channels`;
      for (const c of bad.slice(0, 10)) {
        const parts = [
          c.missing.length > 0 ? `missing ${list(c.missing)}` : '',
          c.extra.length > 0 ? `extra ${list(c.extra)}` : '',
          c.differing.length > 0 ? `other data for ${list(c.differing)}` : '',
        ].filter((p) => p !== '');
        verdict += `\n    ${c.channel}: ${c.actual} held, ${c.expected} expected; ${parts.join('; ')}`;
      }
      if (bad.length > 10) verdict += `\n    and ${bad.length - 10} more channels`;
      break;
    }
  }
  if (p.status === 'inconclusive') lines.push(`  read check  before the load: ${p.reason}`);
  lines.push(`  receiver    ${verdict}`);
  for (const hint of hints(report)) lines.push(`  hint        ${hint}`);
  const code = exitCodeOf(report);
  lines.push(code === 0 ? 'RESULT: OK' : `RESULT: FAILED (exit code ${code})`);
  return lines.join('\n');
}

/** The `reconcile` command's exit code: 0 when every channel was reconciled completely, else 1. */
export function reconcileExitCode(result: ReconcileResult): 0 | 1 {
  return result.complete && result.failed.length === 0 ? 0 : 1;
}

/** The `reconcile` command's summary as text lines. */
export function formatReconcileSummary(run: ReconcileRun): string {
  const { result } = run;
  const lines = [
    `presence-webhooks reconcile: ${Object.keys(result.providers).join(', ') || 'no provider'} into ${run.store === 'redis' ? 'the RedisStore' : 'an in-memory store (a dry look: nothing is kept)'}`,
  ];
  if (!result.ranHere)
    lines.push('  fleet       another instance sharing the store was reconciling: this run waited for it to finish and sent nothing');
  const row = (label: string, r: ProviderReconcileResult) =>
    `  ${label.padEnd(11)} ${n(r.channels)} channels, ${n(r.changes)} changes, ${n(r.requests)} requests, ${r.failed.length === 0 ? 'none failed' : `${n(r.failed.length)} failed (${list(r.failed)})`}${r.complete ? '' : ', incomplete'}, ${formatDuration(r.durationMs)}`;
  for (const [provider, r] of Object.entries(result.providers)) if (r !== undefined) lines.push(row(provider, r));
  lines.push(row('total', result));
  for (const error of run.errors.slice(0, 5)) lines.push(`  error       ${error}`);
  if (run.errors.length > 5) lines.push(`  error       and ${run.errors.length - 5} more`);
  const code = reconcileExitCode(result);
  lines.push(code === 0 ? 'RESULT: OK' : `RESULT: INCOMPLETE (exit code ${code})`);
  return lines.join('\n');
}
