// The inspector over real HTTP, on every framework: without the token, or with a wrong one, nothing of
// the presence set is served (page, state, events); sign-in gives an HttpOnly SameSite=Strict cookie;
// the events stream is Server-Sent Events through each adapter.
import type { PresenceStore, Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import type { IncomingHttpHeaders } from 'node:http';
import { get, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { FRAMEWORKS } from './adapters-servers.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { postTo, startExpress } from './helpers/express-server.js';

const KEY = 'inspectApp.key1:inspect-secret';
const TOKEN = 'inspector-token-0123456789abcdef';
const SECRET_NAME = 'alice-the-present-member';
const cleanups: (() => Promise<void> | void)[] = [];
const redis = await redisAvailable();
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function joinOf(clientId: string, serial = 1) {
  return ablyBatchRequest(
    [
      ablyPresenceItem('room-9', [
        {
          id: `c-${clientId}:${serial}:0`,
          clientId,
          connectionId: `c-${clientId}`,
          action: ABLY_ACTION.enter,
          timestamp: Date.now(),
          data: { role: 'secret-role' },
        },
      ]),
    ],
    { key: KEY },
  );
}

interface SignedIn {
  status: number;
  headers: Headers;
  body: string;
}

async function signIn(url: string, token: string, headers: Record<string, string> = { 'x-presence-inspector': '1' }): Promise<SignedIn> {
  const res = await fetch(`${url}/inspector/session`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Sign in from a given loopback address (node:http with localAddress: 127.0.0.0/8 all reach the server). */
function signInFrom(localAddress: string, url: string, token: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/inspector/session`,
      { method: 'POST', localAddress, agent: false, headers: { authorization: `Bearer ${token}`, 'x-presence-inspector': '1' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** GET a URL and read the whole answer (an unread body would hold its connection open). */
async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.text();
  return res.status;
}

function cookieOf(response: SignedIn): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

/** Open a Server-Sent Events stream on its own connection (node:http, no pool), read it until `until` appears, then hang up. */
function openStream(
  url: string,
  cookie: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; until(text: string): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { cookie }, agent: false, timeout: 15_000 }, (response) => {
      let text = '';
      const waiters: { text: string; resolve: (all: string) => void; reject: (error: Error) => void }[] = [];
      const fail = (error: Error) => {
        for (const waiter of waiters.splice(0)) waiter.reject(error);
      };
      response.on('end', () => fail(new Error(`the stream ended before the awaited text; it held: ${JSON.stringify(text)}`)));
      response.on('error', fail);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        for (const waiter of waiters.splice(0)) {
          if (text.includes(waiter.text)) {
            request.destroy();
            waiter.resolve(text);
          } else waiters.push(waiter);
        }
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        until: (wanted) =>
          new Promise((done, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no ${JSON.stringify(wanted)} within 10 s; the stream held: ${JSON.stringify(text)}`)),
              10_000,
            );
            waiters.push({
              text: wanted,
              resolve: (all) => (clearTimeout(timer), done(all)),
              reject: (error) => (clearTimeout(timer), reject(error)),
            });
          }),
      });
    });
    request.on('timeout', () => request.destroy(new Error('the stream did not answer in time')));
    request.on('error', reject);
  });
}

describe('inspector: authentication', () => {
  async function running(actions = false, users?: false, store?: PresenceStore): Promise<{ receiver: Receiver; url: string }> {
    const receiver = createReceiver({
      ably: { keys: [KEY] },
      inspector: { token: TOKEN, actions },
      ...(users === false ? { users } : {}),
      ...(store === undefined ? {} : { store }),
    });
    const server = await startExpress(receiver);
    cleanups.push(
      () => receiver.close(),
      () => server.close(),
    );
    expect((await postTo(server.url, joinOf(SECRET_NAME))).status).toBe(200);
    await receiver.idle();
    return { receiver, url: server.url };
  }

  it('serves the page without data, with a strict policy and no framing', async () => {
    const { url } = await running();
    const page = await fetch(`${url}/inspector`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("default-src 'none'");
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    const html = await page.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).not.toMatch(/<script(?![^>]*nonce)/); // every script carries the nonce
    expect(html).not.toMatch(/https?:\/\//); // no CDN, nothing external
    expect(html).not.toContain(SECRET_NAME);
    // a new nonce each time
    const second = await fetch(`${url}/inspector`);
    await second.text();
    const again = second.headers.get('content-security-policy');
    expect(again).not.toBe(policy);
  });

  it('refuses state and events without a session, with a forged cookie, or after a wrong token', async () => {
    const { url } = await running();
    const wrong = await signIn(url, 'inspector-token-WRONG-0123456789');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.body).not.toContain(SECRET_NAME);
    const forged = 'pw_inspector=' + 'A'.repeat(43);
    for (const cookie of [undefined, forged, 'pw_inspector=', 'pw_inspector=../../etc']) {
      for (const path of [
        '/inspector/state',
        '/inspector/state?channel=room-9',
        `/inspector/state?user=${SECRET_NAME}`,
        '/inspector/events',
      ]) {
        const res = await fetch(`${url}${path}`, { headers: cookie === undefined ? {} : { cookie } });
        const body = await res.text();
        expect({ path, cookie, status: res.status }).toEqual({ path, cookie, status: 401 });
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(body).not.toContain(SECRET_NAME);
        expect(body).not.toContain('room-9');
      }
    }
  });

  it('signs in only from the page: the custom header is required, a foreign Origin refused', async () => {
    const { url } = await running();
    expect((await signIn(url, TOKEN, {})).status).toBe(403);
    expect((await signIn(url, TOKEN, { 'x-presence-inspector': '1', origin: 'https://evil.example' })).status).toBe(403);
    const ok = await signIn(url, TOKEN, { 'x-presence-inspector': '1', origin: new URL(url).origin });
    expect(ok.status).toBe(204);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^pw_inspector=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toMatch(/Max-Age=\d+/);
    const state = await fetch(`${url}/inspector/state?channel=room-9`, { headers: { cookie: cookieOf(ok) } });
    expect(state.status).toBe(200);
    const body = (await state.json()) as {
      channels: { channel: string; stored: number }[];
      members: { members: { clientId: string }[] };
      stats: { deliveries: { ably: { accepted: number } } };
    };
    expect(body.channels).toEqual([{ channel: 'room-9', provider: 'ably', stored: 1, drift: false }]);
    expect(body.members.members.map((m) => m.clientId)).toEqual([SECRET_NAME]);
    expect(body.stats.deliveries.ably.accepted).toBe(1);
  });

  /** The state of room-9 with SECRET_NAME looked up: the users part and the member groups. */
  async function peopleOf(url: string): Promise<{ users: unknown; members: { groups?: unknown } }> {
    const cookie = cookieOf(await signIn(url, TOKEN));
    const state = await fetch(`${url}/inspector/state?channel=room-9&user=${encodeURIComponent(SECRET_NAME)}`, { headers: { cookie } });
    expect(state.status).toBe(200);
    return (await state.json()) as { users: unknown; members: { groups?: unknown } };
  }
  const PEOPLE = {
    on: true,
    lookup: { userId: SECRET_NAME, presence: { userId: SECRET_NAME, online: true, channels: ['room-9'], members: 1 } },
    channel: { channel: 'room-9', users: [SECRET_NAME] },
  };

  it.skipIf(!redis)('people in the state on a RedisStore (its user levels, read through the store)', async () => {
    const prefix = uniquePrefix('inspector-people');
    const store = new RedisStore({ url: REDIS_URL, prefix });
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    cleanups.push(async () => {
      await store.close();
      await deleteKeys(admin, prefix);
      await admin.quit();
    });
    const body = await peopleOf((await running(false, undefined, store)).url);
    expect(body.users).toMatchObject(PEOPLE);
    expect(body.members.groups).toEqual([{ userId: SECRET_NAME, rows: [0] }]);
  });

  it('people in the state: a user by exact id, the channel’s users, members grouped by user; none with users: false', async () => {
    for (const users of [undefined, false] as const) {
      const { url } = await running(false, users);
      const body = await peopleOf(url);
      if (users === false) {
        expect(body.users).toEqual({ on: false });
        expect(body.members.groups).toBeUndefined();
        continue;
      }
      expect(body.users).toMatchObject(PEOPLE);
      expect(body.members.groups).toEqual([{ userId: SECRET_NAME, rows: [0] }]);
    }
  });

  it('throttles repeated wrong tokens with 429', async () => {
    const { url } = await running();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signIn(url, `wrong-token-${i}-0123456789abcdef`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('throttles per client address: wrong tokens from one address do not lock out the operator at another', async () => {
    const { url } = await running();
    const attacker = '127.0.0.2';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signInFrom(attacker, url, `wrong-token-${i}-0123456789abcdef`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const refused = await signInFrom(attacker, url, TOKEN);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The operator, from another address, signs in at once.
    const operator = await signInFrom('127.0.0.3', url, TOKEN);
    expect(operator.status).toBe(204);
    expect(String(operator.headers['set-cookie'])).toMatch(/^pw_inspector=[A-Za-z0-9_-]{43};/);
  });

  it('over the global ceiling, only addresses that failed are refused; a clean address with the right token gets in', async () => {
    const { url } = await running();
    // 100 failures from 20 addresses (5 each, under the per-address limit) reach the ceiling.
    for (let a = 0; a < 20; a++)
      for (let i = 0; i < 5; i++) expect((await signInFrom(`127.0.1.${a + 1}`, url, `wrong-${a}-${i}-0123456789abcdef`)).status).toBe(401);
    expect((await signInFrom('127.0.1.1', url, 'wrong-again-0123456789abcdef')).status).toBe(429);
    expect((await signInFrom('127.0.2.1', url, TOKEN)).status).toBe(204);
  });

  it('signs out: the session is forgotten and the cookie cleared', async () => {
    const { url } = await running();
    const cookie = cookieOf(await signIn(url, TOKEN));
    expect(await statusOf(`${url}/inspector/state`, { cookie })).toBe(200);
    const out = await fetch(`${url}/inspector/signout`, { method: 'POST', headers: { cookie, 'x-presence-inspector': '1' } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^pw_inspector=; .*Max-Age=0/);
    // The old cookie no longer opens anything.
    expect(await statusOf(`${url}/inspector/state`, { cookie })).toBe(401);
    // Without the custom header (a cross-site form): refused, the session stays.
    const again = cookieOf(await signIn(url, TOKEN));
    expect((await fetch(`${url}/inspector/signout`, { method: 'POST', headers: { cookie: again } })).status).toBe(403);
    expect(await statusOf(`${url}/inspector/state`, { cookie: again })).toBe(200);
  });

  it('resyncs only with actions: true, and only with the custom header', async () => {
    const readOnly = await running(false);
    const cookie = cookieOf(await signIn(readOnly.url, TOKEN));
    const refused = await fetch(`${readOnly.url}/inspector/resync?channel=room-9`, {
      method: 'POST',
      headers: { cookie, 'x-presence-inspector': '1' },
    });
    expect(refused.status).toBe(403);
    await refused.text();
    const withActions = await running(true);
    const session = cookieOf(await signIn(withActions.url, TOKEN));
    const headerless = await fetch(`${withActions.url}/inspector/resync?channel=room-9`, { method: 'POST', headers: { cookie: session } });
    expect(headerless.status).toBe(403);
    await headerless.text();
    // with the header it asks the provider (no REST here: the resync fails, and says so)
    const asked = await fetch(`${withActions.url}/inspector/resync?channel=room-9`, {
      method: 'POST',
      headers: { cookie: session, 'x-presence-inspector': '1' },
    });
    expect([200, 502]).toContain(asked.status);
    await asked.text();
    expect(withActions.receiver.stats().resyncs.ably.failed + withActions.receiver.stats().resyncs.ably.complete).toBe(1);
  });

  it('answers 404 on its routes while off, and never takes them for a webhook', async () => {
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    const server = await startExpress(receiver);
    cleanups.push(
      () => receiver.close(),
      () => server.close(),
    );
    expect(await statusOf(`${server.url}/inspector`)).toBe(404);
    const signed = joinOf('carol');
    const posted = await postTo(`${server.url}/inspector/session`, signed);
    expect(posted.status).toBe(404);
    expect(posted.json).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('inspector: { token }') } });
    await receiver.idle();
    expect(await receiver.store.channels()).toEqual([]);
  });

  it('rejects a bad inspector option with the standard error', () => {
    expect(() => createReceiver({ ably: { keys: [KEY] }, inspector: { token: 'short' } })).toThrow(
      `presence-webhooks: inspector.token must be a string of at least 16 characters without spaces (generate one: node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))") (got "5 characters")`,
    );
    expect(() => createReceiver({ ably: { keys: [KEY] }, inspector: true as never })).toThrow(
      /presence-webhooks: inspector must be \{ token/,
    );
    expect(() => createReceiver({ ably: { keys: [KEY] }, inspector: { token: TOKEN, actions: 'yes' as never } })).toThrow(
      /inspector.actions must be/,
    );
  });
});

describe('inspector: through every adapter', () => {
  for (const { name, factory } of FRAMEWORKS) {
    it(`${name}: signs in, streams join events, refuses without the cookie`, async () => {
      const server = await factory({ ably: { keys: [KEY] }, inspector: { token: TOKEN } }, { bodyParser: false });
      cleanups.push(
        () => server.close(),
        () => server.receiver.close(),
      );
      expect(await statusOf(`${server.url}/inspector/events`)).toBe(401);
      expect(await statusOf(`${server.url}/inspector`)).toBe(200);
      const ok = await signIn(server.url, TOKEN);
      expect(ok.status).toBe(204);
      const cookie = cookieOf(ok);
      const events = await openStream(`${server.url}/inspector/events`, cookie);
      expect(events.status).toBe(200);
      expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(events.headers['x-frame-options']).toBe('DENY');
      const reading = events.until('event: join');
      expect((await postTo(server.url, joinOf('bob'))).status).toBe(200);
      const text = await reading;
      expect(text).toMatch(/event: join\ndata: \{"provider":"ably","channel":"room-9","member":\{"clientId":"bob"/);
      // webhooks still work as before on this mount
      expect((await postTo(server.url, joinOf('bob', 2))).status).toBe(200);
    });
  }
});
