// @presence-webhooks/prometheus over real HTTP: after a known sequence of deliveries, every counter
// has exactly the expected value in prom-client's registry output.
import type { Receiver } from '@presence-webhooks/core';
import type { PresenceStore } from '@presence-webhooks/core';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
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

/** Metrics of a receiver on their own registry, both closed after the test. */
function collected(receiver: Receiver): Registry {
  const registry = new Registry();
  const metrics = collectPresenceMetrics(receiver, { registry });
  cleanups.push(
    () => receiver.close(),
    () => metrics.close(),
  );
  return registry;
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
    const registry = collected(
      createReceiver({ ably: { keys: [KEY] }, pusher: { keys: [{ key: 'pusher-key', secret: 'pusher-secret' }] } }),
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

  it('people: pw_users_online from receiver.users.count() and pw_user_events_total{type} from real deliveries', async () => {
    const { server, registry } = await setup();
    const now = Date.now();
    const presence = (connectionId: string, clientId: string, action: number, serial: number, timestamp: number) => ({
      id: `${connectionId}:${serial}:0`,
      clientId,
      connectionId,
      action,
      timestamp,
    });
    // alice on two connections (room-1, room-2), bob in room-1; then bob leaves (graceMs 0: at once)
    const joins = ablyBatchRequest(
      [
        ablyPresenceItem('room-1', [presence('conn-a1', 'alice', ABLY_ACTION.enter, 1, now - 60_000)]),
        ablyPresenceItem('room-2', [presence('conn-a2', 'alice', ABLY_ACTION.enter, 1, now - 59_000)]),
        ablyPresenceItem('room-1', [presence('conn-b1', 'bob', ABLY_ACTION.enter, 1, now - 58_000)]),
      ],
      { key: KEY },
    );
    expect((await postTo(server.url, joins)).status).toBe(200);
    const before = await registry.metrics();
    expect(sample(before, 'pw_users_online')).toBe(2);
    const leave = ablyBatchRequest([ablyPresenceItem('room-1', [presence('conn-b1', 'bob', ABLY_ACTION.leave, 2, now - 30_000)])], {
      key: KEY,
    });
    expect((await postTo(server.url, leave)).status).toBe(200);
    const text = await registry.metrics();
    const expected: Record<string, number> = {
      pw_users_online: 1,
      'pw_user_events_total{type="user.online"}': 2,
      'pw_user_events_total{type="user.offline"}': 1,
      'pw_user_events_total{type="user.join"}': 3,
      'pw_user_events_total{type="user.leave"}': 1,
      pw_members: 2,
    };
    for (const [series, value] of Object.entries(expected)) expect({ series, value: sample(text, series) }).toEqual({ series, value });
    expect(text).toContain('# TYPE pw_users_online gauge');
    expect(text).toContain('# TYPE pw_user_events_total counter');
    expect(text).not.toMatch(/alice|bob|room-/); // no user id or channel as a label
  });

  it('pw_users_online: a store that stops answering keeps the last figure, and the scrape still ends', async () => {
    /** A MemoryStore whose user count stops answering once `hang` is set (a store gone silent). */
    class SilentCountStore extends MemoryStore {
      hang = false;
      override userCount(): Promise<number> {
        return this.hang ? new Promise<number>(() => undefined) : super.userCount();
      }
    }
    const store = new SilentCountStore();
    const receiver = createReceiver({ ably: { keys: [KEY] }, store });
    const registry = new Registry();
    const metrics = collectPresenceMetrics(receiver, { registry, storeTimeoutMs: 50 });
    const server = await startExpress(receiver);
    cleanups.push(
      () => receiver.close(),
      () => server.close(),
      () => metrics.close(),
    );
    const join = (clientId: string, timestamp: number) =>
      ablyBatchRequest(
        [
          ablyPresenceItem('room-1', [
            { id: `c-${clientId}:1:0`, clientId, connectionId: `c-${clientId}`, action: ABLY_ACTION.enter, timestamp },
          ]),
        ],
        { key: KEY },
      );
    expect((await postTo(server.url, join('alice', Date.now() - 60_000))).status).toBe(200);
    expect(sample(await registry.metrics(), 'pw_users_online')).toBe(1);
    store.hang = true;
    expect((await postTo(server.url, join('bob', Date.now() - 30_000))).status).toBe(200);
    const text = await registry.metrics(); // resolves: the wait is bounded by storeTimeoutMs
    expect(sample(text, 'pw_users_online')).toBe(1); // the last figure, not a guess
    expect(sample(text, 'pw_user_events_total{type="user.online"}')).toBe(2); // the counters do not wait on the store
  });

  it('no people metrics when the store has no user levels', async () => {
    const memory = new MemoryStore();
    // A store of the contract without the optional user-level methods (as a third-party store may be).
    const store: PresenceStore = {
      apply: (events, options) => memory.apply(events, options),
      members: (channel) => memory.members(channel),
      occupancy: (channel) => memory.occupancy(channel),
      channels: () => memory.channels(),
      reportedOccupancy: (channel) => memory.reportedOccupancy(channel),
    };
    const registry = collected(createReceiver({ ably: { keys: [KEY] }, store }));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE pw_members gauge');
    expect(text).not.toContain('pw_users_online');
    expect(text).not.toContain('pw_user_events_total');
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
    expect(own.getMetricsAsArray()).toHaveLength(14); // 12, and the two of people (MemoryStore has user levels)
    metrics.close();
    expect(own.getMetricsAsArray()).toHaveLength(0);
  });
});
