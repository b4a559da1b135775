// The cost of a forged request: CPU per request of receiver.handle for a 4 MiB body that carries no
// credential (or a PubNub `?secret=wrong`), against the same body with a wrong X-Ably-Signature (which
// costs one HMAC over the bytes). The receiver authenticates before it parses, so the ratio should be
// about 1 (target <= 2; before the redesign a credential-less body was parsed first: ~16x, ~45x with \u escapes).
//
//   node test/bench/auth-cost.mjs [--quick]
import { createReceiver } from '@presence-webhooks/core';
import { median, round } from './stats.mjs';

const KEY = 'app.key:secret';

/** A ~`size`-byte Ably-shaped JSON batch; `escapes` fills data strings with \u escapes (the costly case for a guard). */
function body(size, escapes) {
  const data = escapes ? '\\u0041'.repeat(200) : 'x'.repeat(1200);
  const item = `{"source":"channel.presence","data":{"channelId":"room","presence":[{"id":"c:1:0","connectionId":"c","clientId":"a","action":2,"timestamp":1,"data":"${data}"}]}}`;
  const items = [];
  let length = 12;
  while (length < size) {
    items.push(item);
    length += item.length + 1;
  }
  return new TextEncoder().encode(`{"items":[${items.join(',')}]}`);
}

function cpuPerRequest(receiver, request, count) {
  const start = process.cpuUsage();
  let pending = [];
  for (let i = 0; i < count; i++) pending.push(receiver.handle(request));
  return Promise.all(pending).then((answers) => {
    const used = process.cpuUsage(start);
    pending = [];
    return { us: (used.user + used.system) / count, status: answers[0].status };
  });
}

export async function benchAuthCost({ quick = false } = {}) {
  const receiver = createReceiver({
    ably: { keys: [KEY] },
    pubnub: { secret: 'right' },
    logger: { warn: () => undefined },
    onError: () => undefined,
  });
  const size = quick ? 64 * 1024 : 4 * 1024 * 1024;
  const count = quick ? 3 : 20;
  const rounds = quick ? 1 : 5;
  const rows = [];
  for (const escapes of [false, true]) {
    const bytes = body(size, escapes);
    const json = { 'content-type': 'application/json' };
    const variants = {
      wrongSignature: { method: 'POST', headers: { ...json, 'x-ably-signature': Buffer.alloc(32).toString('base64') }, body: bytes },
      noCredential: { method: 'POST', headers: json, body: bytes },
      wrongPubNubSecret: { method: 'POST', headers: json, body: bytes, url: '/?secret=wrong' },
    };
    const times = { wrongSignature: [], noCredential: [], wrongPubNubSecret: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, request] of Object.entries(variants)) {
        const { us, status } = await cpuPerRequest(receiver, request, count);
        if (status !== 401) throw new Error(`${name} answered ${status}, expected 401`);
        times[name].push(us);
      }
    }
    const base = median(times.wrongSignature);
    rows.push({
      body: `${round(bytes.byteLength / 1048576, 2)} MiB${escapes ? ' (\\u escapes)' : ''}`,
      wrongSignatureUs: round(base, 0),
      noCredentialUs: round(median(times.noCredential), 0),
      wrongPubNubSecretUs: round(median(times.wrongPubNubSecret), 0),
      noCredentialRatio: round(median(times.noCredential) / base, 2),
      wrongPubNubSecretRatio: round(median(times.wrongPubNubSecret) / base, 2),
    });
  }
  await receiver.close();
  return { rows, target: { ratioMax: 2 }, met: rows.every((r) => r.noCredentialRatio <= 2 && r.wrongPubNubSecretRatio <= 2) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchAuthCost({ quick: process.argv.includes('--quick') });
  console.table(result.rows);
  console.log(`forged / wrong-signature CPU per request <= ${result.target.ratioMax}: ${result.met ? 'MET' : 'NOT MET'}`);
}
