// @presence-webhooks/prometheus over real HTTP: after a known sequence of deliveries, every counter
// has exactly the expected value in prom-client's registry output.
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { collectPresenceMetrics } from '@presence-webhooks/prometheus';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, signAbly, ablyKeyName } from '@presence-webhooks/testing/builders';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import type { RunningServer } from './helpers/express-server.js';

const KEY = 'metricsApp.key1:metrics-secret';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function enter(serial: number, timestamp: number) {
  return { id: `conn-1:${serial}:0`, clientId: 'alice', connectionId: 'conn-1', action: ABLY_ACTION.enter, timestamp, data: { serial } };
}

/** The value of one sample line of the exposition text (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function setup(prefix?: string): Promise<{ server: RunningServer; registry: Registry; receiver: Receiver }> {
  const receiver = createReceiver({ ably: { keys: [KEY] } });
  const registry = new Registry();
  const metrics = collectPresenceMetrics(receiver, prefix === undefined ? { registry } : { registry, prefix });
  const server = await startExpress(receiver);
  cleanups.push(
    () => receiver.close(),
    () => server.close(),
    () => metrics.close(),
  );
  return { server, registry, receiver };
}

describe('collectPresenceMetrics', () => {
  it('counts accepted, duplicate, stale, forged and malformed deliveries exactly', async () => {
    const { server, registry, receiver } = await setup();
    const now = Date.now();
    const accepted = ablyBatchRequest([ablyPresenceItem('room-1', [enter(5, now - 2000)])], { key: KEY });
    expect((await postTo(server.url, accepted)).status).toBe(200);
    expect((await postTo(server.url, accepted)).status).toBe(200); // the same batch again: a duplicate
    const older = ablyBatchRequest([ablyPresenceItem('room-1', [enter(3, now - 3000)])], { key: KEY });
    expect((await postTo(server.url, older)).status).toBe(200); // an older message of the same member: stale
    const forged = ablyBatchRequest([ablyPresenceItem('room-2', [enter(1, now)])], { key: 'metricsApp.key1:not-the-secret' });
    expect((await postTo(server.url, forged)).status).toBe(401);
    const garbage = new TextEncoder().encode('{"items": [');
    const malformed = {
      headers: { 'content-type': 'application/json', 'x-ably-key': ablyKeyName(KEY), 'x-ably-signature': signAbly(garbage, KEY) },
      body: garbage,
    };
    expect((await postTo(server.url, malformed)).status).toBe(400);
    await receiver.idle();

    const text = await registry.metrics();
    const expected: Record<string, number> = {
      'pw_deliveries_total{provider="ably",outcome="accepted"}': 1,
      'pw_deliveries_total{provider="ably",outcome="duplicate"}': 1,
      'pw_deliveries_total{provider="ably",outcome="stale"}': 1,
      'pw_deliveries_total{provider="unknown",outcome="rejected"}': 2,
      'pw_rejections_total{code="unauthorized"}': 1,
      'pw_rejections_total{code="invalid_body"}': 1,
      'pw_effective_events_total{type="join"}': 1,
      'pw_effective_events_total{type="update"}': 0,
      'pw_effective_events_total{type="leave"}': 0,
      pw_store_failures_total: 0,
      pw_queue_depth: 0,
      pw_members: 1,
      pw_channels: 1,
      'pw_drift_total{provider="ably"}': 0,
      'pw_resyncs_total{provider="ably",outcome="complete"}': 0,
      // three accepted deliveries of one event each; five requests answered; three merges
      pw_delivery_lag_seconds_count: 3,
      pw_handle_duration_seconds_count: 5,
      pw_store_apply_duration_seconds_count: 3,
    };
    for (const [series, value] of Object.entries(expected)) expect({ series, value: sample(text, series) }).toEqual({ series, value });
    // the lag is now minus the provider's timestamps (2 s, 2 s and 3 s ago): at least 7 s in all
    expect(sample(text, 'pw_delivery_lag_seconds_sum')).toBeGreaterThanOrEqual(7);
    expect(sample(text, 'pw_delivery_lag_seconds_bucket{le="1"}')).toBe(0);
    // no channel or user id is a label
    expect(text).not.toMatch(/room-1|alice|conn-1/);
    for (const name of [
      'deliveries_total',
      'rejections_total',
      'effective_events_total',
      'delivery_lag_seconds',
      'handle_duration_seconds',
      'store_apply_duration_seconds',
      'store_failures_total',
      'queue_depth',
      'members',
      'channels',
      'drift_total',
      'resyncs_total',
    ]) {
      expect(text).toContain(`# TYPE pw_${name} `);
    }
  });

  it('only label combinations that can occur, only for the configured providers', async () => {
    const receiver = createReceiver({ ably: { keys: [KEY] }, pusher: { keys: [{ key: 'pusher-key', secret: 'pusher-secret' }] } });
    const registry = new Registry();
    const metrics = collectPresenceMetrics(receiver, { registry });
    cleanups.push(
      () => receiver.close(),
      () => metrics.close(),
    );
    const text = await registry.metrics();
    const series = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`))
        .map((line) => line.slice(name.length, line.lastIndexOf(' ')))
        .sort();
    expect(series('pw_deliveries_total')).toEqual(
      [
        '{provider="ably",outcome="accepted"}',
        '{provider="ably",outcome="duplicate"}',
        '{provider="ably",outcome="stale"}',
        '{provider="pusher",outcome="accepted"}',
        '{provider="pusher",outcome="duplicate"}',
        '{provider="pusher",outcome="stale"}',
        '{provider="unknown",outcome="rejected"}',
      ].sort(),
    );
    expect(series('pw_drift_total')).toEqual(['{provider="ably"}', '{provider="pusher"}']);
    expect(series('pw_resyncs_total').filter((labels) => !/provider="(ably|pusher)"/.test(labels))).toEqual([]);
    expect(series('pw_resyncs_total')).toHaveLength(6);
  });

  it('takes a prefix, checks its options, and close() removes its metrics', async () => {
    const { registry } = await setup('presence_');
    expect(await registry.metrics()).toContain('# TYPE presence_deliveries_total counter');
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    cleanups.push(() => receiver.close());
    expect(() => collectPresenceMetrics(receiver, { registry: new Registry(), prefix: 'bad-prefix' })).toThrow(
      /prefix must be a Prometheus metric name prefix/,
    );
    expect(() => collectPresenceMetrics(receiver, { registry: new Registry(), maxChannels: 0 })).toThrow(
      /maxChannels must be a positive integer \(got 0\)/,
    );
    const own = new Registry();
    const metrics = collectPresenceMetrics(receiver, { registry: own });
    expect(own.getMetricsAsArray()).toHaveLength(12);
    metrics.close();
    expect(own.getMetricsAsArray()).toHaveLength(0);
  });
});
