// Multipart parsers on a PubNub channel active/inactive body: @fastify/busboy (what core uses)
// against Node's own Request.formData() (undici). Run after `pnpm build`:
//   node test/bench/pubnub-multipart.mjs [iterations]
// Prints microseconds per parse (median of 5 rounds) and the ratio; no assertion on timings.
import { performance } from 'node:perf_hooks';
import { parseMultipart } from '../../packages/core/dist/providers/pubnub/multipart.js';

const iterations = Number(process.argv[2] ?? 20000);
const boundary = '----PubNubPresenceBoundary7MA4YWxkTrZu0gW';
const fields = [
  ['sub_key', 'sub-c-5f1b4d2e-9a3c-4f7e-8b6d-0c2a1e3f4b5d'],
  ['channel', 'lobby'],
  ['status', 'active'],
  ['timestamp', '1440568311'],
];
const lines = [];
for (const [name, value] of fields) lines.push(`--${boundary}`, `Content-Disposition: form-data; name="${name}"`, '', value);
lines.push(`--${boundary}--`, '');
const body = new TextEncoder().encode(lines.join('\r\n'));
const contentType = `multipart/form-data; boundary=${boundary}`;

async function viaFormData(bytes) {
  const form = await new Request('http://localhost/webhooks', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: bytes,
  }).formData();
  const out = Object.create(null);
  for (const [name, value] of form) if (typeof value === 'string' && !(name in out)) out[name] = value;
  return out;
}

const candidates = {
  '@fastify/busboy': (bytes) => parseMultipart(bytes, boundary),
  'Request.formData()': viaFormData,
};

for (const [name, parse] of Object.entries(candidates)) {
  const fieldsOut = await parse(body);
  if (fieldsOut.status !== 'active' || fieldsOut.channel !== 'lobby') throw new Error(`${name} parsed ${JSON.stringify(fieldsOut)}`);
}

async function round(parse) {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await parse(body);
  return ((performance.now() - start) * 1000) / iterations;
}

const results = {};
for (const [name, parse] of Object.entries(candidates)) {
  await round(parse); // warm-up
  const rounds = [];
  for (let r = 0; r < 5; r++) rounds.push(await round(parse));
  rounds.sort((a, b) => a - b);
  results[name] = rounds[2];
}
const base = results['@fastify/busboy'];
console.log(`PubNub active body (${body.byteLength} bytes), ${iterations} parses x 5 rounds, node ${process.version}`);
for (const [name, us] of Object.entries(results))
  console.log(`  ${name.padEnd(20)} ${us.toFixed(1).padStart(7)} µs/parse  x${(us / base).toFixed(2)}`);
