/**
 * Decoding agrees with ably-js: for generated presence messages in every encoding, the data our
 * receiver stores equals what `Ably.Rest.PresenceMessage.fromEncodedArray` decodes.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import * as Ably from 'ably';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReceiver } from '@presence-webhooks/core';
import { decodeData } from '../packages/core/src/providers/ably/encoding.js';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { postTo, startExpress } from './helpers/express-server.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'app1.key1:oracle-secret';
const CHANNEL = 'secret-room';

function encrypt(plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(16);
  const cipher = createCipheriv(key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
}

type Encoded = { data: unknown; encoding?: string };

/** Every encoding the issue names, applied to a value the way an Ably client would send it. */
const ENCODINGS: Record<string, (value: unknown, keys: { k128: Buffer; k256: Buffer }) => Encoded> = {
  none: (v) => ({ data: String(JSON.stringify(v)) }),
  json: (v) => ({ data: JSON.stringify(v), encoding: 'json' }),
  'utf-8/base64': (v) => ({ data: Buffer.from(String(JSON.stringify(v))).toString('base64'), encoding: 'utf-8/base64' }),
  'binary base64': (v) => ({ data: Buffer.from(String(JSON.stringify(v))).toString('base64'), encoding: 'base64' }),
  'json/utf-8': (v) => ({ data: JSON.stringify(v), encoding: 'json/utf-8' }),
  'json/utf-8/base64': (v) => ({ data: Buffer.from(JSON.stringify(v)).toString('base64'), encoding: 'json/utf-8/base64' }),
  'utf-8/cipher+aes-128-cbc/base64': (v, k) => ({
    data: encrypt(Buffer.from(String(JSON.stringify(v))), k.k128).toString('base64'),
    encoding: 'utf-8/cipher+aes-128-cbc/base64',
  }),
  'json/utf-8/cipher+aes-256-cbc/base64': (v, k) => ({
    data: encrypt(Buffer.from(JSON.stringify(v)), k.k256).toString('base64'),
    encoding: 'json/utf-8/cipher+aes-256-cbc/base64',
  }),
  'cipher+aes-256-cbc/base64 (binary)': (v, k) => ({
    data: encrypt(Buffer.from(String(JSON.stringify(v))), k.k256).toString('base64'),
    encoding: 'cipher+aes-256-cbc/base64',
  }),
  'unknown step kept as residual': (v) => ({ data: Buffer.from(JSON.stringify(v)).toString('base64'), encoding: 'json/vcdiff-x/base64' }),
};

const jsonValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    { maxKeys: 4 },
  ),
  fc.array(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 4 }),
);

async function oracle(messages: RawAblyPresence[], key: Buffer): Promise<{ data: unknown; encoding: unknown }[]> {
  const decoded = await Ably.Rest.PresenceMessage.fromEncodedArray(
    messages.map((m) => ({ ...m })),
    { cipher: { key } },
  );
  return decoded.map((m) => ({ data: m.data, encoding: m.encoding ?? undefined }));
}

function normaliseBinary(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

describe('Ably data decoding agrees with ably-js (the oracle)', () => {
  for (const [name, encode] of Object.entries(ENCODINGS)) {
    for (const bits of [128, 256] as const) {
      it(`${name} (channel key ${bits} bits)`, async () => {
        await fc.assert(
          fc.asyncProperty(jsonValue, async (value) => {
            const keys = { k128: randomBytes(16), k256: randomBytes(32) };
            const channelKey = bits === 128 ? keys.k128 : keys.k256;
            const enc = encode(value, keys);
            if (enc.encoding?.includes('cipher+aes-128') && bits !== 128) return;
            if (enc.encoding?.includes('cipher+aes-256') && bits !== 256) return;
            const message: RawAblyPresence = {
              id: 'c1:0:0',
              clientId: 'u',
              connectionId: 'c1',
              action: ABLY_ACTION.enter,
              timestamp: 1,
              ...enc,
            };
            const [expected] = await oracle([message], channelKey);
            const ours = decodeData(message.data, message.encoding, () => channelKey);
            expect(normaliseBinary(ours.data)).toEqual(normaliseBinary(expected?.data));
            expect(ours.encoding).toEqual(expected?.encoding);
          }),
          { numRuns: 40 },
        );
      });
    }
  }

  it('through real HTTP: a signed batch with every encoding is stored exactly as ably-js decodes it', async () => {
    const keys = { k128: randomBytes(16), k256: randomBytes(32) };
    const messages: RawAblyPresence[] = Object.values(ENCODINGS).map((encode, i) => ({
      id: `conn${i}:0:0`,
      clientId: `client-${i}`,
      connectionId: `conn${i}`,
      action: ABLY_ACTION.enter,
      timestamp: RECENT_MS + i,
      ...encode({ n: i, text: `value ${i}` }, keys),
    }));
    // Each cipher message goes to a channel whose key matches its algorithm.
    const channelOf = (m: RawAblyPresence) => (m.encoding?.includes('aes-128') ? `${CHANNEL}-128` : CHANNEL);
    const problems: string[] = [];
    const receiver = createReceiver({
      ably: { keys: [KEY], cipherKeys: { [CHANNEL]: keys.k256, [`${CHANNEL}-128`]: keys.k128.toString('base64') } },
    });
    receiver.onError((e) => problems.push(e.message));
    const server = await startExpress(receiver);
    try {
      const items = messages.map((m) => ablyPresenceItem(channelOf(m), [m]));
      const res = await postTo(server.url, ablyBatchRequest(items, { key: KEY }));
      expect(res.status).toBe(200);
      await receiver.idle();
      for (const m of messages) {
        const channel = channelOf(m);
        const [expected] = await oracle([m], channel === CHANNEL ? keys.k256 : keys.k128);
        const stored = (await receiver.store.members(channel)).find((s) => s.clientId === m.clientId);
        expect(stored, m.encoding).toBeDefined();
        expect(normaliseBinary(stored?.data)).toEqual(normaliseBinary(expected?.data));
        expect(stored?.encoding).toEqual(expected?.encoding);
      }
      // The unknown step was reported, not thrown.
      expect(problems.some((p) => p.includes('vcdiff-x'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
