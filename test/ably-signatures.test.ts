/** X-Ably-Signature over real HTTP through Express: the keyring, rotation, tampering. */
import { createReceiver } from '@presence-webhooks/core';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyEnvelopedPresence,
  ablyPresenceItem,
  type BuiltRequest,
} from '@presence-webhooks/testing/builders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTo, startExpress, type RunningServer } from './helpers/express-server.js';
import { snapshot } from './helpers/store-snapshot.js';
import { RECENT_MS } from './helpers/recent.js';

const OLD_KEY = 'appA.oldKey:old-secret-value';
const NEW_KEY = 'appA.newKey:new-secret-value';
const OTHER_KEY = 'appA.otherKey:not-in-the-ring';

const batch = (clientId: string, key: string) =>
  ablyBatchRequest(
    [
      ablyPresenceItem('room', [
        { id: `c-${clientId}:0:0`, clientId, connectionId: `c-${clientId}`, action: ABLY_ACTION.enter, timestamp: RECENT_MS },
      ]),
    ],
    { key },
  );

describe('Ably signatures', () => {
  const receiver = createReceiver({ ably: { keys: [OLD_KEY, NEW_KEY] }, onError: () => undefined });
  let server: RunningServer;
  beforeAll(async () => {
    server = await startExpress(receiver);
  });
  afterAll(() => server.close());

  async function expectRejected(request: BuiltRequest) {
    const before = await snapshot(receiver.store);
    const res = await postTo(server.url, request);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    await receiver.idle();
    expect(await snapshot(receiver.store)).toEqual(before);
  }

  it('the right key -> 200, and both keys of the ring verify (rotation)', async () => {
    expect((await postTo(server.url, batch('alice', OLD_KEY))).status).toBe(200);
    expect((await postTo(server.url, batch('bob', NEW_KEY))).status).toBe(200);
    await receiver.idle();
    expect((await receiver.store.members('room')).map((m) => m.clientId)).toEqual(['alice', 'bob']);
  });

  it('X-Ably-Key absent or naming an unknown key: every key of the ring is tried', async () => {
    const request = batch('carol', NEW_KEY);
    const { 'x-ably-key': _k, ...noKey } = request.headers;
    expect((await postTo(server.url, { ...request, headers: noKey })).status).toBe(200);
    const dan = batch('dan', OLD_KEY);
    expect((await postTo(server.url, { ...dan, headers: { ...dan.headers, 'x-ably-key': 'appA.gone' } })).status).toBe(200);
  });

  it('X-Ably-Key may name the keyId alone', async () => {
    const request = batch('erin', NEW_KEY);
    expect((await postTo(server.url, { ...request, headers: { ...request.headers, 'x-ably-key': 'newKey' } })).status).toBe(200);
  });

  it('a key that is not in the ring -> 401, store unchanged', async () => {
    await expectRejected(batch('mallory', OTHER_KEY));
  });

  it('one tampered byte -> 401, store unchanged', async () => {
    const request = batch('mallory', NEW_KEY);
    const body = Uint8Array.from(request.body);
    const at = new TextDecoder().decode(body).indexOf('mallory');
    body[at] = 'M'.charCodeAt(0);
    await expectRejected({ ...request, body });
  });

  it('the signature of another key named by X-Ably-Key -> 401', async () => {
    const request = batch('mallory', OLD_KEY);
    await expectRejected({ ...request, headers: { ...request.headers, 'x-ably-key': 'appA.newKey' } });
  });

  it('missing header -> 401, store unchanged', async () => {
    const request = batch('mallory', NEW_KEY);
    const { 'x-ably-signature': _s, ...unsigned } = request.headers;
    await expectRejected({ ...request, headers: unsigned });
    await expectRejected({ ...request, headers: { ...unsigned, 'x-ably-signature': '' } });
    await expectRejected({ ...request, headers: { ...unsigned, 'x-ably-signature': 'not base64 at all!' } });
  });

  it('an unsigned single request passes only with the shared secret, when one is configured', async () => {
    const withSecret = createReceiver({ ably: { keys: [NEW_KEY], secret: 'rule-header-secret' } });
    const s = await startExpress(withSecret);
    try {
      const request = ablyEnvelopedPresence('solo', [
        { id: 'c1:0:0', clientId: 'zoe', connectionId: 'c1', action: ABLY_ACTION.enter, timestamp: RECENT_MS },
      ]);
      expect((await postTo(s.url, request)).status).toBe(401);
      expect((await postTo(s.url, { ...request, headers: { ...request.headers, 'x-webhook-secret': 'wrong' } })).status).toBe(401);
      expect((await postTo(s.url, { ...request, headers: { ...request.headers, 'x-webhook-secret': 'rule-header-secret' } })).status).toBe(
        200,
      );
      expect((await postTo(`${s.url}?secret=rule-header-secret`, request)).status).toBe(200);
      await withSecret.idle();
      expect((await withSecret.store.members('solo')).map((m) => m.clientId)).toEqual(['zoe']);
    } finally {
      await s.close();
    }
  });

  it('createReceiver refuses an Ably config that cannot authenticate anything', () => {
    expect(() => createReceiver({ ably: {} })).toThrow(/keys.*secret.*insecure/);
    expect(() => createReceiver({ ably: { keys: ['no-colon'] } })).toThrow(/appId\.keyId:keySecret/);
  });
});
