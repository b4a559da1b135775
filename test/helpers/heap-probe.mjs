// The amplification probe of issue 25, by hand: `node test/helpers/heap-probe.mjs [deliveries] [data|ids]`
// (after `pnpm build`). Starts heap-receiver.mjs with a 1 GiB heap, posts signed 4.9 MiB Ably deliveries
// and prints the heap after each (after GC), or the receiver's death. `data` (default): one member whose
// data is [{},{},…]; `ids`: a stale leave (nobody stored) whose id fills the body.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const KEY = 'heapApp.keyOne:heap-probe-ably-key-secret-0123456789';
const deliveries = Number(process.argv[2] ?? 40);
const mode = process.argv[3] ?? 'data';
const script = fileURLToPath(new URL('./heap-receiver.mjs', import.meta.url));
const child = spawn(process.execPath, ['--max-old-space-size=1024', '--expose-gc', script, KEY], { stdio: ['ignore', 'pipe', 'ignore'] });
child.on('exit', (code, signal) => console.log(`receiver exited: code ${code}, signal ${signal}`));
const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port)));
const heap = async () => (await (await fetch(`http://127.0.0.1:${port}/heap`)).json()).heapUsed / 2 ** 20;
const count = Math.floor((4.9 * 2 ** 20 - 4096) / 3);
const start = await heap();
console.log(`heap at start: ${start.toFixed(1)} MB`);
for (let i = 1; i <= deliveries; i++) {
  const presence =
    mode === 'ids'
      ? { id: `p${i}:${'9'.repeat(count * 3)}`, clientId: `u${i}`, connectionId: `p${i}`, action: 3, timestamp: Date.now() - 3_600_000 }
      : { id: `p${i}:1:0`, clientId: `u${i}`, connectionId: `p${i}`, action: 2, timestamp: Date.now() - 60_000, data: 0 };
  const item = {
    webhookId: 'probe',
    source: 'channel.presence',
    serial: `s:${i}`,
    timestamp: Date.now(),
    name: 'presence.message',
    data: { channelId: 'amplified', site: 'eu-west-1-A', presence: [presence] },
  };
  const body = Buffer.from(JSON.stringify({ items: [item] }).replace('"data":0', `"data":[${'{},'.repeat(count - 1)}{}]`));
  const signature = createHmac('sha256', KEY.slice(KEY.indexOf(':') + 1))
    .update(body)
    .digest('base64');
  try {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ably-key': KEY.slice(0, KEY.indexOf(':')), 'x-ably-signature': signature },
      body,
    });
    await res.arrayBuffer();
    const now = await heap();
    console.log(
      `delivery ${i} (${(body.length / 2 ** 20).toFixed(2)} MiB): ${res.status}, heap ${now.toFixed(1)} MB, +${((now - start) / i).toFixed(2)} MB per delivery`,
    );
  } catch (error) {
    console.log(`delivery ${i}: ${error.cause?.code ?? error.message}`);
    break;
  }
}
if (child.exitCode === null) {
  console.log('receiver alive');
  child.kill();
}
