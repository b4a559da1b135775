/**
 * The acknowledgement modes against RedisStore, over real HTTP (Express) and real Redis. The
 * store reaches Redis through a loopback TCP proxy that the tests cut and restore (the shared
 * Redis server keeps running); a second store on a direct connection plays another instance.
 */
import type { AckMode, JoinEvent, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, StoreError } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postWithRetries } from '../examples/multi-instance-redis/src/stream.js';
import type { RunningServer } from './helpers/express-server.js';
import { postTo, startExpress } from './helpers/express-server.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { until } from './helpers/until.js';
import type { TcpProxy } from './helpers/tcp-proxy.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'ackApp.ackKey:ack-secret';
const available = await redisAvailable();
const prefix = uniquePrefix('ack');

let test = 0;
/** A delivery with one member entering two channels of its own. */
function delivery() {
  const n = test++;
  const channels = [`ack${n}-a`, `ack${n}-b`];
  const message = {
    id: `conn${n}:0:0`,
    clientId: `client-${n}`,
    connectionId: `conn${n}`,
    action: ABLY_ACTION.enter,
    timestamp: RECENT_MS + n,
    data: { n },
  };
  return {
    channels,
    request: ablyBatchRequest(
      channels.map((c) => ablyPresenceItem(c, [message])),
      { key: KEY },
    ),
  };
}

describe.skipIf(!available)('acknowledgement modes with RedisStore', () => {
  let proxy: TcpProxy;
  const other = new RedisStore({ url: REDIS_URL, prefix, redisOptions: { lazyConnect: true } });
  const open: { server: RunningServer; store: RedisStore }[] = [];

  beforeAll(async () => {
    proxy = await startTcpProxy(REDIS_URL);
  });
  afterEach(async () => {
    await proxy.restore();
    for (const { server, store } of open.splice(0)) {
      await server.close();
      await store.close();
    }
  });
  afterAll(async () => {
    await proxy.close();
    await other.clear();
    await other.close();
  });

  async function setup(ack: AckMode, retry?: ReceiverOptions['retry']) {
    // Reconnect fast and fail a command after one failed reconnect, so an outage shows at once.
    const store = new RedisStore({ url: proxy.url, prefix, redisOptions: { retryStrategy: () => 50, maxRetriesPerRequest: 1 } });
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack, ...(retry ? { retry } : {}) });
    const joins: JoinEvent[] = [];
    const errors: Error[] = [];
    receiver.on('join', (e) => void joins.push(e));
    receiver.onError((e) => void errors.push(e));
    const server = await startExpress(receiver);
    open.push({ server, store });
    return { receiver, server, joins, errors };
  }

  it('after-store: the 200 comes once the delivery is committed and emitted (another instance already sees it)', async () => {
    const { server, joins } = await setup('after-store');
    const { channels, request } = delivery();
    const answer = await postTo(server.url, request);
    expect(answer.status).toBe(200);
    // No idle() here: the answer itself means committed.
    expect(joins.map((j) => j.channel).sort()).toEqual(channels);
    for (const channel of channels) expect((await other.members(channel)).map((m) => m.clientId)).toHaveLength(1);
  });

  it('after-store: 503 while Redis is unreachable and nothing applied; the provider retry after recovery gets 200 and one join per channel', async () => {
    const { server, joins, errors } = await setup('after-store');
    const { channels, request } = delivery();
    await proxy.cut();
    const answer = await postTo(server.url, request);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ error: { code: 'store_failed' } });
    expect(errors.length).toBeGreaterThan(0);
    for (const channel of channels) expect(await other.members(channel)).toEqual([]);
    expect(await other.channels()).not.toContain(channels[0]);
    expect(joins).toEqual([]);

    await proxy.restore();
    const statuses = await postWithRetries(server.url, request, { attempts: 40, baseDelayMs: 25, maxDelayMs: 200 });
    expect(statuses.at(-1)).toBe(200);
    for (const channel of channels) expect(await other.members(channel)).toHaveLength(1);
    expect(joins.map((j) => j.channel).sort()).toEqual(channels);
  });

  it('on-receipt: 200 before the store is reached; failures go to onError and are retried with backoff; idle() waits for the success', async () => {
    const { receiver, server, joins, errors } = await setup('on-receipt', { attempts: 30, baseDelayMs: 50 });
    const { channels, request } = delivery();
    await proxy.cut();
    const answer = await postTo(server.url, request);
    expect(answer.status).toBe(200);
    await until(() => errors.length >= 2, 'two failed attempts reported');
    for (const channel of channels) expect(await other.members(channel)).toEqual([]);
    await proxy.restore();
    await receiver.idle();
    for (const channel of channels) expect(await other.members(channel)).toHaveLength(1);
    expect(joins.map((j) => j.channel).sort()).toEqual(channels);
    for (const error of errors) {
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('store_failed');
      expect(error.message).toContain('retrying');
    }
    const attempts = errors.map((e) => (e as StoreError).details.attempt);
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
  });

  it('on-receipt: retries are bounded; when Redis stays down onError hears "giving up", idle() resolves, nothing is applied', async () => {
    const { receiver, server, joins, errors } = await setup('on-receipt', { attempts: 3, baseDelayMs: 20 });
    const { channels, request } = delivery();
    await proxy.cut();
    expect((await postTo(server.url, request)).status).toBe(200);
    await receiver.idle();
    expect(errors.map((e) => (e as StoreError).details.attempt)).toEqual([1, 2, 3]);
    expect(errors.at(-1)?.message).toContain('giving up');
    await proxy.restore();
    for (const channel of channels) expect(await other.members(channel)).toEqual([]);
    expect(joins).toEqual([]);
  });
});
