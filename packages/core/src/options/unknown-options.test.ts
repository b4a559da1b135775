import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../presence/memory-store.js';
import { createReceiver } from '../receiver.js';
import type { ReceiverOptions } from '../receiver.js';
import { checkKnownKeys, closestName } from '../option-checks.js';

const ABLY = { keys: ['app.key:secret'] };

/** Options as a user may misspell them: [given, the message's start, the did-you-mean (or none)]. */
const MISSPELT: readonly [Record<string, unknown>, string, string | undefined][] = [
  [{ ably: { key: 'app.key:secret' } }, 'ably.key is not an option', 'ably.keys'],
  [{ ably: { ...ABLY, secretheader: 'x' } }, 'ably.secretheader is not an option', 'ably.secretHeader'],
  [{ ably: { ...ABLY, rest: { baseURL: 'https://x' } } }, 'ably.rest.baseURL is not an option', 'ably.rest.baseUrl'],
  [{ pubnub: { secrte: 's' } }, 'pubnub.secrte is not an option', 'pubnub.secret'],
  [{ pubnub: { secret: 's', multipart: { part: 3 } } }, 'pubnub.multipart.part is not an option', 'pubnub.multipart.parts'],
  [{ pubnub: { secret: 's', rest: { uid: 'u' } } }, 'pubnub.rest.uid is not an option', 'pubnub.rest.uuid'],
  [{ pusher: { keys: [{ key: 'k', secret: 's' }], appID: '1' } }, 'pusher.appID is not an option', 'pusher.appId'],
  [{ pusher: { keys: [{ key: 'k', secrets: 's' }] } }, 'pusher.keys[0].secrets is not an option', 'pusher.keys[0].secret'],
  [{ ably: ABLY, resync: { onDrfit: true } }, 'resync.onDrfit is not an option', 'resync.onDrift'],
  [{ ably: ABLY, retry: { attempt: 3 } }, 'retry.attempt is not an option', 'retry.attempts'],
  [{ ably: ABLY, readEndpoint: { tokn: 'abc' } }, 'readEndpoint.tokn is not an option', 'readEndpoint.token'],
  [
    { ably: ABLY, inspector: { token: 'a-long-enough-inspector-token', action: true } },
    'inspector.action is not an option',
    'inspector.actions',
  ],
  [{ ably: ABLY, bodylimit: 10 }, 'bodylimit is not an option', 'bodyLimit'],
  [{ ably: ABLY, users: { gracems: 1000 } }, 'users.gracems is not an option', 'users.graceMs'],
  [{ ably: ABLY, readEnpoint: true }, 'readEnpoint is not an option', 'readEndpoint'],
  [{ ably: ABLY, colour: 'blue' }, 'colour is not an option', undefined],
];

describe('unknown option names', () => {
  it.each(MISSPELT)('%j: a TypeError naming the option, with a did-you-mean when one is close', (options, start, meant) => {
    const make = (): unknown => createReceiver(options as ReceiverOptions);
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`presence-webhooks: ${start}`);
    if (meant === undefined) expect(make).not.toThrow(/did you mean/);
    else expect(make).toThrow(`(did you mean ${meant}?)`);
  });

  it('the known names follow the message, so the fix is in sight', () => {
    expect(() => createReceiver({ ably: { key: 'x' } } as unknown as ReceiverOptions)).toThrow(
      'ably takes: keys, secret, secretHeader, cipherKeys, insecure, rest',
    );
  });

  it("is checked before the object's other rules (ably: { key } is not 'ably needs keys')", () => {
    expect(() => createReceiver({ ably: { key: 'app.key:secret' } } as unknown as ReceiverOptions)).not.toThrow(/needs keys/);
  });

  it("this round's new top-level options are known already (users, emit, claimAfterMs, maxEventAgeMs, maxClockSkewMs)", () => {
    for (const name of ['users', 'emit', 'claimAfterMs', 'maxEventAgeMs', 'maxClockSkewMs'])
      expect(() => createReceiver({ ably: ABLY, [name]: undefined } as ReceiverOptions)).not.toThrow(/is not an option/);
  });

  it('MemoryStore options', () => {
    expect(() => new MemoryStore({ tombstoneHorizon: 1000 } as never)).toThrow(
      'presence-webhooks: MemoryStore.tombstoneHorizon is not an option (did you mean MemoryStore.tombstoneHorizonMs?)',
    );
    expect(() => new MemoryStore({ tombstoneHorizonMs: 1000, now: Date.now })).not.toThrow();
  });

  it('own keys only, never inherited ones; a key like __proto__ is refused, not followed', () => {
    expect(() => checkKnownKeys(Object.create({ inherited: 1 }) as object, { a: true }, 'x')).not.toThrow();
    expect(() => checkKnownKeys(JSON.parse('{"__proto__":{"polluted":1}}') as object, { a: true }, 'x')).toThrow(
      'x.__proto__ is not an option',
    );
    expect(() => checkKnownKeys({ toString: 1 }, { a: true }, 'x')).toThrow('x.toString is not an option');
  });

  it('closestName: near names only', () => {
    expect(closestName('key', ['keys', 'secret'])).toBe('keys');
    expect(closestName('secrte', ['keys', 'secret'])).toBe('secret');
    expect(closestName('BODYLIMIT', ['bodyLimit'])).toBe('bodyLimit');
    expect(closestName('colour', ['keys', 'secret'])).toBeUndefined();
  });
});
