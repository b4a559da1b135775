/**
 * Issue 25, decoded size amplification: member data `[{},{},…]` filling a 4.9 MiB signed Ably body
 * used to cost ~105 MB of heap per delivery (21x), and 40 of them killed a receiver with a 1 GiB heap.
 * Here a receiver runs in a child process (`--max-old-space-size=1024`, the built packages) behind
 * real HTTP; 40 such deliveries (and 40 more of many members each just under the per-member bound)
 * must leave it alive, answering, its heap grown by a few MB per delivery at most.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BuiltRequest, RawAblyPresence } from '@presence-webhooks/testing/builders';
import { ABLY_ACTION, ablyKeyName, ablyPresenceItem, signAbly } from '@presence-webhooks/testing/builders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'heapApp.keyOne:heap-probe-ably-key-secret-0123456789';
const BODY_BYTES = 4.9 * 1024 * 1024;
const DELIVERIES = 40;
const MB = 1024 * 1024;

let child: ChildProcess | undefined;
let base = '';
let exit: Promise<unknown> | undefined;

beforeAll(async () => {
  const script = fileURLToPath(new URL('./helpers/heap-receiver.mjs', import.meta.url));
  child = spawn(process.execPath, ['--max-old-space-size=1024', '--expose-gc', script, KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
  exit = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await once(lines, 'line')) as [string];
  base = `http://127.0.0.1:${(JSON.parse(first) as { port: number }).port}`;
}, 30_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGTERM');
    await exit;
  }
});

/** `[{},{},…]` of `count` empty objects, as JSON text. */
function amplifiedJson(count: number): string {
  return `[${'{},'.repeat(count - 1)}{}]`;
}

let n = 0;
function enter(slot: string): RawAblyPresence {
  n += 1;
  const connectionId = `heap${n}`;
  return {
    id: `${connectionId}:1:0`,
    clientId: `u${n}`,
    connectionId,
    action: ABLY_ACTION.enter,
    timestamp: Date.now() - 60_000,
    data: slot,
  };
}

/**
 * A signed Ably batch on channel "amplified" whose members' data are `[{},{},…]` of `each` objects,
 * as many members as fill BODY_BYTES (built as text: the test process stays light).
 */
function amplified(each: number, members: number): BuiltRequest {
  const slot = '@@data@@';
  const template = JSON.stringify({
    items: [
      ablyPresenceItem(
        'amplified',
        Array.from({ length: members }, () => enter(slot)),
      ),
    ],
  });
  const body = new TextEncoder().encode(template.split(JSON.stringify(slot)).join(amplifiedJson(each)));
  return {
    headers: { 'content-type': 'application/json', 'x-ably-key': ablyKeyName(KEY), 'x-ably-signature': signAbly(body, KEY) },
    body,
  };
}

/** One member whose data fills the body: 1.7 million empty objects. */
const oneMember = () => amplified(Math.floor((BODY_BYTES - 4096) / 3), 1);
/** Members each with 9,000 empty objects (under the 10,000 per member), as many as fill the body. */
const manyMembers = () => amplified(9_000, Math.floor((BODY_BYTES - 4096) / (9_000 * 3 + 200)));

async function heap(): Promise<{ heapUsed: number; members: number }> {
  const response = await fetch(`${base}/heap`);
  return (await response.json()) as { heapUsed: number; members: number };
}

async function post(request: BuiltRequest): Promise<number> {
  const response = await fetch(`${base}/webhooks`, { method: 'POST', headers: request.headers, body: request.body });
  await response.arrayBuffer();
  return response.status;
}

describe('a 1 GiB-heap receiver under amplified deliveries', () => {
  it(
    'survives 40 deliveries of one member with 4.9 MiB of [{},{},…] (the member is refused), heap flat',
    async () => {
      const before = await heap();
      const request = oneMember();
      expect(request.body.byteLength).toBeGreaterThan(4.8 * MB);
      for (let i = 0; i < DELIVERIES; i++) {
        expect(await post(i === 0 ? request : oneMember())).toBe(200);
      }
      const after = await heap();
      expect(child?.exitCode).toBeNull();
      expect(after.members).toBe(before.members);
      const perDelivery = (after.heapUsed - before.heapUsed) / DELIVERIES;
      console.log(`heap per amplified delivery (one member): ${(perDelivery / MB).toFixed(2)} MB`);
      expect(perDelivery).toBeLessThan(2 * MB);
    },
    { timeout: 240_000 },
  );

  it(
    'survives 40 deliveries of many members just under the per-member bound (the delivery budget holds)',
    async () => {
      const before = await heap();
      for (let i = 0; i < DELIVERIES; i++) expect(await post(manyMembers())).toBe(200);
      const after = await heap();
      expect(child?.exitCode).toBeNull();
      const perDelivery = (after.heapUsed - before.heapUsed) / DELIVERIES;
      console.log(
        `heap per amplified delivery (many members): ${(perDelivery / MB).toFixed(2)} MB, members kept ${after.members - before.members}`,
      );
      // 100,000 values at most per delivery are kept: a few MB, not the ~100 MB the body could decode to.
      expect(perDelivery).toBeLessThan(16 * MB);
      expect(after.members - before.members).toBeGreaterThan(0);
    },
    { timeout: 240_000 },
  );
});
