// Section 3: RedisStore. Deliveries of 100 presence events across 10 channels (10 per channel),
// applied one after another as the receiver's delivery queue applies them; events/s, and the
// round trips each delivery costs. Then the same with several receivers at once (their own
// stores and connections): what Redis sustains when their round trips overlap.
//
// Round trips are counted on the client: every write to the connection's socket while a delivery
// is applied (ioredis writes a pipeline in one write and then waits for all its replies, so one
// write is one round trip). Commands are counted twice: on the client (sendCommand calls) and on
// the server (INFO commandstats deltas), which also shows what Redis ran.
import { Redis } from 'ioredis';
import { ablyOrderKey } from '../../packages/core/dist/order-key.js';
import { RedisStore } from '@presence-webhooks/redis';
import { median, msSince, round } from './stats.mjs';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STEPS = ['enter', 'update', 'leave'];

/**
 * Message `q` of channel `c` (room-c) at provider time `timestamp`: its members go enter -> update -> leave,
 * a new connection every three messages, so every message is effective when applied in order.
 */
export function stepEvent(c, q, timestamp) {
  const m = Math.floor(q / 3);
  const step = STEPS[q % 3];
  const connectionId = `c${c}x${m.toString(36)}`;
  const clientId = `user-${(m * 7 + c) % 5000}`;
  const present = step !== 'leave';
  const member = { clientId, connectionId, timestamp };
  if (present) member.data = { status: step === 'enter' ? 'online' : 'away', n: q };
  const event = {
    provider: 'ably',
    channel: `room-${c}`,
    memberKey: `${connectionId}:${clientId}`,
    present,
    member,
    order: ablyOrderKey(`${connectionId}:${q % 3}:0`, connectionId, timestamp, !present),
  };
  if (!present) event.reason = 'leave';
  return event;
}

/** Delivery `d`: `perChannel` events on each of `channels` channels. */
function delivery(d, channels, perChannel) {
  const events = [];
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < perChannel; j++) {
      const q = d * perChannel + j; // message number on this channel
      events.push(stepEvent(c, q, 1_700_000_000_000 + q));
    }
  }
  return events;
}

/** INFO commandstats: calls and `<name>.usec` per command. */
export async function commandStats(client) {
  const text = await client.info('commandstats');
  const calls = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) {
      calls[m[1]] = Number(m[2]);
      calls[`${m[1]}.usec`] = Number(m[3]);
    }
  }
  return calls;
}

/** CPU seconds Redis's main thread has used (INFO cpu): what a round cost Redis, whatever else runs on the machine. */
export async function redisCpu(client) {
  const text = await client.info('cpu');
  const user = /used_cpu_user_main_thread:([\d.]+)/.exec(text);
  const sys = /used_cpu_sys_main_thread:([\d.]+)/.exec(text);
  return Number(user?.[1] ?? 0) + Number(sys?.[1] ?? 0);
}

function diffStats(after, before) {
  const out = {};
  for (const [name, n] of Object.entries(after)) if (n - (before[name] ?? 0) > 0) out[name] = n - (before[name] ?? 0);
  return out;
}

/**
 * Several receivers at once (one store and connection each, as separate instances would have), each
 * applying its deliveries one after another: the aggregate events/s Redis sustains when the client's
 * work and the round trips of one receiver overlap with another's.
 */
async function concurrentRound({ deliveries, channels, perChannel, concurrency }) {
  const clients = [];
  const stores = [];
  for (let k = 0; k < concurrency; k++) {
    const client = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    clients.push(client);
    stores.push(new RedisStore({ client, prefix: `pwbench-${process.pid.toString(36)}-c${k}` }));
  }
  try {
    const batches = [];
    for (let d = 0; d < deliveries; d++) batches.push(delivery(d, channels, perChannel));
    await Promise.all(stores.map((store) => store.apply(delivery(0, 1, 1).map((e) => ({ ...e, channel: 'warm-up' })))));
    const t0 = process.hrtime.bigint();
    const changes = await Promise.all(
      stores.map(async (store) => {
        let n = 0;
        for (const events of batches) n += (await store.apply(events)).length;
        return n;
      }),
    );
    const ms = msSince(t0);
    if (changes.some((n) => n !== deliveries * channels * perChannel))
      throw new Error(`concurrent RedisStore answered ${changes.join(', ')} changes`);
    await Promise.all(stores.map((store) => store.clear()));
    return round(((concurrency * deliveries * channels * perChannel) / ms) * 1000);
  } finally {
    for (const client of clients) client.disconnect();
  }
}

/**
 * @param {{ deliveries?: number, rounds?: number, channels?: number, perChannel?: number, concurrency?: number }} options
 */
export async function benchRedis({ deliveries = 1000, rounds = 5, channels = 10, perChannel = 10, concurrency = 4 } = {}) {
  const admin = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const client = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  await client.connect();
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1];
  // Count what the store's client sends: commands, and socket writes (round trips).
  let commands = 0;
  let writes = 0;
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = (...args) => {
    commands++;
    return sendCommand(...args);
  };
  const stream = client.stream;
  const write = stream.write.bind(stream);
  stream.write = (...args) => {
    writes++;
    return write(...args);
  };

  const eventsPerDelivery = channels * perChannel;
  const roundsOut = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const prefix = `pwbench-${process.pid.toString(36)}-${r}`;
      const store = new RedisStore({ client, prefix });
      const batches = [];
      for (let d = 0; d < deliveries; d++) batches.push(delivery(d, channels, perChannel));
      // One warm-up delivery on a channel of its own: loads the scripts (EVALSHA falls back to EVAL once).
      await store.apply(delivery(0, 1, 1).map((e) => ({ ...e, channel: 'warm-up' })));
      const before = await commandStats(admin);
      commands = 0;
      writes = 0;
      let changes = 0;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (const events of batches) changes += (await store.apply(events)).length;
      const ms = msSince(t0);
      const cpu = process.cpuUsage(cpu0);
      const clientCommands = commands;
      const clientWrites = writes;
      const server = diffStats(await commandStats(admin), before);
      delete server.info;
      delete server['info.usec'];
      if (changes !== deliveries * eventsPerDelivery)
        throw new Error(`RedisStore answered ${changes} changes for ${deliveries * eventsPerDelivery} events`);
      roundsOut.push({ ms, clientCommands, clientWrites, server, clientCpuMs: (cpu.user + cpu.system) / 1000 });
      await store.clear();
    }
  } finally {
    client.disconnect();
    admin.disconnect();
  }
  const concurrent = concurrency > 1 ? await concurrentRound({ deliveries, channels, perChannel, concurrency }) : undefined;
  const measured = roundsOut.length > 1 ? roundsOut.slice(1) : roundsOut;
  const ms = median(measured.map((x) => x.ms));
  const last = measured[measured.length - 1];
  const calls = Object.entries(last.server).filter(([k]) => !k.endsWith('.usec'));
  const serverCommands = calls.reduce((a, [, n]) => a + n, 0);
  const scriptUs = (last.server['evalsha.usec'] ?? 0) + (last.server['eval.usec'] ?? 0);
  return {
    redisVersion: version,
    deliveries,
    eventsPerDelivery,
    channels,
    msPerDelivery: round(ms / deliveries, 3),
    deliveriesPerSec: round((deliveries / ms) * 1000),
    eventsPerSec: round(((deliveries * eventsPerDelivery) / ms) * 1000),
    roundTripsPerDelivery: round(last.clientWrites / deliveries, 2),
    clientCommandsPerDelivery: round(last.clientCommands / deliveries, 2),
    serverCommandsPerDelivery: round(serverCommands / deliveries, 2),
    // Time Redis spent in the apply scripts, and the client's CPU, per delivery (where the time goes).
    redisScriptMsPerDelivery: round(scriptUs / 1000 / deliveries, 3),
    clientCpuMsPerDelivery: round(median(measured.map((x) => x.clientCpuMs)) / deliveries, 3),
    serverCommands: Object.fromEntries(calls.map(([k, v]) => [k, round(v / deliveries, 2)])),
    ...(concurrent === undefined ? {} : { concurrentAppliers: concurrency, concurrentEventsPerSec: concurrent }),
  };
}
