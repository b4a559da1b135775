// Standalone (not a run.mjs section): what the pieces apply.lua is built from cost inside Redis, on a redis-server of
// its own. Each case is a script looping N times over one piece; its figure is (the EVAL's time with N - with 0) ÷ N,
// less the empty loop's, as Redis times the call itself (INFO commandstats), the median of `rounds`; and with
// --callgrind, in instructions (callgrind, counted only inside scripts: the yardstick redis-script-cost.mjs uses).
// The budget: at 100k events/s one Redis thread has 10 µs per event for everything.
//   node test/bench/redis-lua-costs.mjs [--n=100000] [--rounds=5] | --callgrind [--n=2000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandStats } from './redis.mjs';
import { callgrindDump, callgrindInstrument } from './callgrind.mjs';
import { connect, startServer, stopServer } from './redis-server-own.mjs';
import { median, round } from './stats.mjs';

const callgrind = process.argv.includes('--callgrind');
const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? (callgrind ? 2000 : 100_000));
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
const VALUE = 'x'.repeat(60); // a member record's size, about
// Hash s holds 8 fields (a channel's hash: a listpack), hash l 300 (still a listpack: a big channel, whose fields a
// miss reads one by one, up to hash-max-listpack-entries), hash d 1000 (a hashtable: the users hash of an app).
const PRELUDE = `local N = tonumber(ARGV[1])
for i = 1, 8 do redis.call('HSET', 's', 'f' .. i, '${VALUE}') end
for i = 1, 300 do redis.call('HSET', 'l', 'f' .. i, '${VALUE}') end
for i = 1, 1000 do redis.call('HSET', 'd', 'f' .. i, '${VALUE}') end
`;
const TEN = (key, prefix) => `'${key}', ${Array.from({ length: 10 }, (_, i) => `'${prefix}${i + 1}'`).join(', ')}`;
const CASES = {
  'empty loop': `for i = 1, N do end`,
  'HGET, small hash (60-byte value)': `for i = 1, N do redis.call('HGET', 's', 'f5') end`,
  'HGET, small hash (no value)': `for i = 1, N do redis.call('HGET', 's', 'none') end`,
  'HGET, 300-field listpack (no value)': `for i = 1, N do redis.call('HGET', 'l', 'none') end`,
  'HGET, hashtable (60-byte value)': `for i = 1, N do redis.call('HGET', 'd', 'f5') end`,
  'HGET, hashtable (no value)': `for i = 1, N do redis.call('HGET', 'd', 'none') end`,
  'HSET, small hash (one field)': `for i = 1, N do redis.call('HSET', 's', 'f5', 'abcdefabcdefabcdefabcdef') end`,
  'HMGET 10 fields, small hash (60-byte values)': `for i = 1, N do redis.call('HMGET', ${TEN('s', 'f')}) end`,
  'HMGET 10 fields, small hash (no values)': `for i = 1, N do redis.call('HMGET', ${TEN('s', 'g')}) end`,
  'HMGET 10 fields, hashtable (60-byte values)': `for i = 1, N do redis.call('HMGET', ${TEN('d', 'f')}) end`,
  PEXPIREAT: `for i = 1, N do redis.call('PEXPIREAT', 's', 99999999999999) end`,
  'ZCARD (pcall)': `for i = 1, N do redis.pcall('ZCARD', 'z') end`,
  'a table of 4 values': `local t for i = 1, N do t = { i, false, false, 'ably' } end`,
  'an empty table': `local t for i = 1, N do t = {} end`,
  'a string of 2 joined (..)': `local s for i = 1, N do s = '\\253' .. 'user-' .. i end`,
  'cmsgpack.pack of a new 5-array': `local t for i = 1, N do t = cmsgpack.pack({ 'user-123', 'room-12', 'ably', 1700000000000 + i, false }) end`,
  'cmsgpack.pack of 5 values (no table)': `local t for i = 1, N do t = cmsgpack.pack('user-123', 'room-12', 'ably', 1700000000000 + i, false) end`,
  'cmsgpack.unpack of a 4-array': `local s = cmsgpack.pack({ 1, false, false, 'ably' }) local t for i = 1, N do t = cmsgpack.unpack(s) end`,
  'cmsgpack.unpack of an app level (8 values, 2 channels)': `local s = cmsgpack.pack({ 1, false, false, 'ably', 1700000000000, false, false, { 'room-1', 'room-2' } }) local t for i = 1, N do t = cmsgpack.unpack(s) end`,
  'cmsgpack.pack of an app level': `local a = { 1, false, false, 'ably', 1700000000000, false, false, { 'room-1', 'room-2' } } local t for i = 1, N do a[5] = 1700000000000 + i; t = cmsgpack.pack(a) end`,
  'struct.pack of 2 doubles': `local t for i = 1, N do t = struct.pack('>dd', 1700000000000 + i, 0) end`,
  'struct.unpack of a record order key': `local r = struct.pack('>BxdxdxdxdxI4', 1, 1, 2, 3, 4, 5) for i = 1, N do local p, a, b, c, d, e = struct.unpack('>BxdxdxdxdxI4', r) end`,
  'a number to a string': `local t for i = 1, N do t = tostring(1700000000000 + i) end`,
  '3 entries added to the reply': `local out = {} for i = 1, N do out[#out + 1] = -1; out[#out + 1] = 6; out[#out + 1] = '${'y'.repeat(40)}' end`,
};

const dir = mkdtempSync(join(tmpdir(), 'pw-lua-costs-'));
const port = 16600 + Math.floor(Math.random() * 200);
const child = startServer({ port, dir, underCallgrind: callgrind });
const client = await connect(port);

/** What one EVAL of `script` with N = `times` costs: instructions (callgrind) or µs as Redis times it. */
async function cost(script, times) {
  await client.flushall();
  if (callgrind) {
    callgrindDump(child.pid, dir);
    await client.eval(script, 0, String(times));
    return callgrindDump(child.pid, dir);
  }
  const before = await commandStats(client);
  await client.eval(script, 0, String(times));
  const after = await commandStats(client);
  return (after['eval.usec'] ?? 0) - (before['eval.usec'] ?? 0); // no EVAL yet: no eval line in INFO
}

try {
  const perIteration = {};
  if (callgrind) {
    callgrindInstrument(child.pid, true);
    callgrindDump(child.pid, dir);
  }
  for (const [name, body] of Object.entries(CASES)) {
    const script = `${PRELUDE}${body}\nreturn 1`;
    const figures = [];
    for (let r = 0; r < (callgrind ? 1 : rounds); r++) figures.push(((await cost(script, n)) - (await cost(script, 0))) / n);
    perIteration[name] = median(figures);
  }
  const loop = perIteration['empty loop'];
  const unit = callgrind ? 'instructions' : 'ns';
  const scale = callgrind ? 1 : 1000;
  console.log(`${unit} per piece inside a script (N = ${n}, the empty loop's ${round(loop * scale, 1)} taken off):`);
  for (const [name, per] of Object.entries(perIteration))
    if (name !== 'empty loop') console.log(`  ${name.padEnd(56)} ${String(round((per - loop) * scale)).padStart(7)}`);
} finally {
  await stopServer(child, client);
  rmSync(dir, { recursive: true, force: true });
}
