import { describe, expect, it } from 'vitest';
import { createReceiver } from '../receiver.js';
import type { ReceiverOptions } from '../receiver.js';

const ABLY = { keys: ['app.key:secret'] };

/** [the option as written, the options given, what the message says after "must be", the value shown]. */
const INVALID: readonly [string, Record<string, unknown>, string, string][] = [
  ['bodyLimit', { bodyLimit: 0 }, 'a positive integer', '0'],
  ['bodyLimit', { bodyLimit: 1.5 }, 'a positive integer', '1.5'],
  ['bodyLimit', { bodyLimit: '5mb' }, 'a positive integer', '"5mb"'],
  ['bodyTimeoutMs', { bodyTimeoutMs: -1 }, 'a positive integer', '-1'],
  ['maxInFlightBytes', { maxInFlightBytes: Number.POSITIVE_INFINITY }, 'a positive integer', 'Infinity'],
  ['ack', { ack: 'later' }, "'on-receipt' or 'after-store'", '"later"'],
  ['retry', { retry: 3 }, 'an object', '3'],
  ['retry.attempts', { retry: { attempts: Number.NaN } }, 'a positive integer', 'NaN'],
  ['retry.attempts', { retry: { attempts: 0 } }, 'a positive integer', '0'],
  ['retry.baseDelayMs', { retry: { baseDelayMs: -5 } }, 'a positive number', '-5'],
  ['onError', { onError: 'console' }, 'a function', '"console"'],
  ['logger', { logger: console.log }, 'an object with a warn(message) method', 'a function'],
  ['store', { store: {} }, 'a PresenceStore (an object with apply, members, channels, occupancy)', 'an object'],
  ['resync', { resync: true }, 'an object', 'true'],
  ['resync.onDrift', { resync: { onDrift: 'yes' } }, 'true or false', '"yes"'],
  ['resync.graceMs', { resync: { graceMs: -1 } }, 'a number >= 0', '-1'],
  ['resync.minIntervalMs', { resync: { minIntervalMs: Number.NaN } }, 'a number >= 0', 'NaN'],
  ['resync.everyMs', { resync: { everyMs: '1m' } }, 'a number >= 0', '"1m"'],
  [
    'readEndpoint',
    { readEndpoint: 'the-token-itself' },
    "true, false or { token: '<a non-empty token without spaces>' }",
    '"a string: give it as { token }"',
  ],
  ['readEndpoint', { readEndpoint: 1 }, "true, false or { token: '<a non-empty token without spaces>' }", '1'],
  [
    'readEndpoint.token',
    { readEndpoint: { token: 'has space' } },
    `a string of at least 16 characters without spaces (generate one: node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))")`,
    '"a string with whitespace"',
  ],
  [
    'readEndpoint.token',
    { readEndpoint: { token: 1234567890123456 } },
    `a string of at least 16 characters without spaces (generate one: node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))")`,
    '"number"',
  ],
  [
    'readEndpoint.token',
    { readEndpoint: { token: undefined } },
    `a string of at least 16 characters without spaces (generate one: node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))")`,
    'undefined',
  ],
  [
    'readEndpoint.token',
    { readEndpoint: { token: 'short-token' } },
    `at least 16 characters (generate one: node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))")`,
    '"11 characters"',
  ],
  ['maxClockSkewMs', { maxClockSkewMs: -1 }, 'a number >= 0', '-1'],
  ['maxChannelNameLength', { maxChannelNameLength: 0 }, 'a positive integer', '0'],
  ['ably', { ably: 'key' }, 'an object', '"key"'],
  ['ably.keys', { ably: { keys: 'app.key:secret' } }, 'an array of "appId.keyId:keySecret" strings', '"app.key:secret"'],
  ['ably.keys[0]', { ably: { keys: [42] } }, 'a string "appId.keyId:keySecret"', '42'],
  ['ably.secret', { ably: { secret: 7 } }, 'a non-empty string', '"number"'],
  ['ably.secretHeader', { ably: { ...ABLY, secretHeader: '' } }, 'a non-empty string', '""'],
  ['ably.insecure', { ably: { insecure: 1 } }, 'true or false', '1'],
  ['ably.cipherKeys', { ably: { ...ABLY, cipherKeys: 'k' } }, 'an object of channel -> key, or a function (channel) => key', '"k"'],
  ['ably.rest', { ably: { ...ABLY, rest: 'https://x' } }, 'an object', '"https://x"'],
  ['ably.rest.baseUrl', { ably: { ...ABLY, rest: { baseUrl: 'ftp://x' } } }, 'an absolute http(s) URL', '"ftp://x"'],
  ['ably.rest.timeoutMs', { ably: { ...ABLY, rest: { timeoutMs: 0 } } }, 'a positive number', '0'],
  ['pubnub', { pubnub: [] }, 'an object', 'an array'],
  ['pubnub.secret', { pubnub: { secret: '' } }, 'a non-empty string', '""'],
  ['pubnub.secretHeader', { pubnub: { secret: 's', secretHeader: 3 } }, 'a non-empty string', '3'],
  ['pubnub.subscribeKey', { pubnub: { secret: 's', subscribeKey: '' } }, 'a non-empty string', '""'],
  ['pubnub.insecure', { pubnub: { insecure: 'true' } }, 'true or false', '"true"'],
  ['pubnub.multipart', { pubnub: { secret: 's', multipart: 4 } }, 'an object', '4'],
  ['pubnub.multipart.parts', { pubnub: { secret: 's', multipart: { parts: 0 } } }, 'a positive integer', '0'],
  ['pubnub.multipart.fieldSize', { pubnub: { secret: 's', multipart: { fieldSize: 2.5 } } }, 'a positive integer', '2.5'],
  ['pubnub.rest.baseUrl', { pubnub: { secret: 's', rest: { baseUrl: 'nope' } } }, 'an absolute http(s) URL', '"nope"'],
  ['pubnub.rest.timeoutMs', { pubnub: { secret: 's', rest: { timeoutMs: -1 } } }, 'a positive number', '-1'],
  ['pubnub.rest.uuid', { pubnub: { secret: 's', rest: { uuid: '' } } }, 'a non-empty string', '""'],
  ['pubnub.rest.authKey', { pubnub: { secret: 's', rest: { authKey: 9 } } }, 'a non-empty string', '9'],
  ['pusher', { pusher: 'k' }, 'an object', '"k"'],
  [
    'pusher.keys',
    { pusher: { keys: [] } },
    'a non-empty array of { key, secret } (the app key and secret from the Pusher dashboard)',
    'an array',
  ],
  ['pusher.keys[0]', { pusher: { keys: [7] } }, 'an object', '7'],
  ['pusher.keys[0].key', { pusher: { keys: [{ key: '', secret: 's' }] } }, 'a non-empty string', '""'],
  ['pusher.keys[0].secret', { pusher: { keys: [{ key: 'k', secret: 5 }] } }, 'a non-empty string', '"number"'],
  ['pusher.appId', { pusher: { keys: [{ key: 'k', secret: 's' }], appId: '' } }, 'a non-empty string', '""'],
  ['ackTimeoutMs', { ackTimeoutMs: 0 }, 'a positive integer', '0'],
  ['maxQueuedDeliveries', { maxQueuedDeliveries: -1 }, 'a positive integer', '-1'],
  ['onReject', { onReject: true }, 'a function', 'true'],
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('resolveReceiverOptions: every invalid option throws at createReceiver, naming the option and the value', () => {
  it.each(INVALID)('%s: %j', (name, given, expectation, shown) => {
    const options = {
      ...(given.ably === undefined && given.pubnub === undefined && given.pusher === undefined ? { ably: ABLY } : {}),
      ...given,
    } as ReceiverOptions;
    expect(() => createReceiver(options)).toThrow(TypeError);
    expect(() => createReceiver(options)).toThrow(
      new RegExp(`^presence-webhooks: ${escape(name)} must be ${escape(expectation)} \\(got ${escape(shown)}\\)$`),
    );
  });

  it('says exactly what the issue asked for retry.attempts NaN (it used to retry a failing store forever)', () => {
    expect(() => createReceiver({ ably: ABLY, retry: { attempts: Number.NaN } })).toThrow(
      'presence-webhooks: retry.attempts must be a positive integer (got NaN)',
    );
  });

  it('never shows a secret: a malformed Ably key or a wrong-typed secret is described, not printed', () => {
    for (const options of [{ ably: { keys: ['no-colon-here-but-secret'] } }, { ably: { secret: 12345 } }] as ReceiverOptions[]) {
      let message = '';
      try {
        createReceiver(options);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^presence-webhooks: ably\./);
      expect(message).not.toContain('no-colon-here-but-secret');
      expect(message).not.toContain('12345');
    }
  });

  it('refuses a configuration that can authenticate nothing', () => {
    expect(() => createReceiver({})).toThrow(/^presence-webhooks: configure at least one provider/);
    expect(() => createReceiver({ ably: {} })).toThrow(/^presence-webhooks: ably needs keys/);
    expect(() => createReceiver({ pubnub: {} })).toThrow(/^presence-webhooks: pubnub needs a shared secret/);
  });

  it('accepts every option at a valid value', () => {
    const receiver = createReceiver({
      ably: {
        ...ABLY,
        secret: 's',
        secretHeader: 'x-s',
        insecure: false,
        cipherKeys: {},
        rest: { baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 },
      },
      pubnub: {
        secret: 'p',
        secretHeader: 'x-p',
        subscribeKey: 'sub',
        multipart: { parts: 4, fieldSize: 100 },
        rest: { baseUrl: 'http://127.0.0.1:1', uuid: 'u', authKey: 'a' },
      },
      bodyLimit: 1024,
      bodyTimeoutMs: 100,
      maxInFlightBytes: 4096,
      ack: 'after-store',
      retry: { attempts: 2, baseDelayMs: 10 },
      onError: () => undefined,
      logger: { warn: () => undefined },
      resync: { onDrift: true, graceMs: 0, minIntervalMs: 0, everyMs: 0 },
      readEndpoint: { token: 'read-token-0123456789' },
    });
    expect(receiver.limits).toMatchObject({ bodyLimit: 1024, bodyTimeoutMs: 100, maxInFlightBytes: 4096 });
    return receiver.close();
  });
});

describe('short provider secrets (issue 25)', () => {
  it('warns loudly through the logger, never with the secret, and still starts', async () => {
    const lines: string[] = [];
    const logger = { warn: (line: string) => void lines.push(line) };
    const receiver = createReceiver({
      ably: { keys: ['app.key:abc'], secret: 'tiny' },
      pubnub: { secret: 'pn' },
      pusher: { keys: [{ key: 'k', secret: 'ps' }] },
      logger,
    });
    expect(lines.filter((l) => l.includes('WARNING'))).toHaveLength(4);
    expect(lines.join('\n')).toMatch(/pubnub\.secret is only 2 characters/);
    expect(lines.join('\n')).not.toMatch(/\babc\b|tiny/);
    await receiver.close();
    lines.length = 0;
    const long = createReceiver({ pubnub: { secret: 'a-long-enough-pubnub-secret' }, logger });
    expect(lines).toEqual([]);
    await long.close();
  });
});
