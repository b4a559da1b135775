// The inspector in a real browser (Debian's Chromium driven by playwright-core): sign in, see the
// channels with their provider, a delivery's member appears without reloading, a drift is
// highlighted and clears once the channel changed since the figure, a wrong token is refused;
// search and paging of channels and members, local times with UTC on hover (and a store that holds
// a timestamp no Date can show), grouped counters of the configured providers only, and the live
// chart moving as deliveries arrive. The users view: a user found by id with their channels, members, since
// and last seen (and times no Date can show), a channel's users, a channel's members grouped under their
// user id, users online on the chart, all moving live. Screenshots go to test/artifacts/inspector.png and
// test/artifacts/inspector-users.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Member, UserPresence } from '@presence-webhooks/core';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyPresenceItem,
  pubnubEventItem,
  pubnubEventsRequest,
  pubnubLegacyRequest,
} from '@presence-webhooks/testing/builders';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable } from './helpers/chromium.js';
import { postTo, startExpress } from './helpers/express-server.js';
import type { RunningServer } from './helpers/express-server.js';

const KEY = 'browserApp.key1:browser-secret';
const PUBNUB_SECRET = 'browser-pubnub-secret';
const TOKEN = 'browser-inspector-token-0123456789';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const available = chromiumAvailable();

/** A store that holds a member whose timestamp no Date can show (as a store written by other code may). */
class OddTimesStore extends MemoryStore {
  override async channels(): Promise<string[]> {
    return [...(await super.channels()), 'odd-times'];
  }
  override async occupancy(channel: string): Promise<number> {
    return channel === 'odd-times' ? 1 : super.occupancy(channel);
  }
  override async members(channel: string): Promise<Member[]> {
    if (channel === 'odd-times') return [{ clientId: 'far-future', connectionId: 'c-far', timestamp: 1e308 }];
    return super.members(channel);
  }
  override async user(userId: string): Promise<UserPresence | undefined> {
    if (userId === 'far-future') return { userId, online: true, channels: ['odd-times'], members: 1, since: 1e308, lastSeen: -1e308 };
    return super.user(userId);
  }
}

describe.skipIf(!available)('inspector in Chromium', () => {
  const receiver = createReceiver({
    ably: { keys: [KEY] },
    pubnub: { secret: PUBNUB_SECRET },
    inspector: { token: TOKEN },
    store: new OddTimesStore(),
  });
  let server: RunningServer;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    server = await startExpress(receiver);
    profile = mkdtempSync(join(tmpdir(), 'pw-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await context?.close();
    await receiver.close();
    await server?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  /** A new page whose script errors and CSP violations land in `problems`. */
  async function watchedPage() {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (message) => {
      // the 401s of the sign-in check and of the wrong token are expected answers, not page errors
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return { page, problems };
  }

  it('signs in, shows channels, streams a new member, highlights drift, refuses a wrong token', async () => {
    const { page, problems } = await watchedPage();
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const now = Date.now();
    expect(
      (
        await postTo(
          server.url,
          ablyBatchRequest(
            [
              ablyPresenceItem('lobby', [
                { id: 'c-zoe:1:0', clientId: 'zoe', connectionId: 'c-zoe', action: ABLY_ACTION.enter, timestamp: now },
              ]),
            ],
            { key: KEY },
          ),
        )
      ).status,
    ).toBe(200);

    await page.goto(`${server.url}/inspector`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect(await page.locator('#app').isVisible()).toBe(false);
    expect(await page.content()).not.toContain('zoe');

    // a wrong token is refused, and shows nothing
    await page.fill('#token', 'not-the-token-0123456789abcdef');
    await page.click('#signin-form button');
    await expect.poll(() => page.locator('#signin-error').textContent()).toBe('Wrong token');
    expect(await page.locator('#app').isVisible()).toBe(false);
    expect((await context.cookies()).filter((c) => c.name === 'pw_inspector')).toEqual([]);

    await page.fill('#token', TOKEN);
    await page.click('#signin-form button');
    await page.locator('#app').waitFor({ state: 'visible' });
    await page.locator('tr.channel[data-channel="lobby"]').waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'pw_inspector');
    expect(cookie).toMatchObject({ path: '/webhooks/inspector', httpOnly: true, sameSite: 'Strict' });
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');

    // a signed delivery: the member appears without a reload
    expect(
      (
        await postTo(
          server.url,
          ablyBatchRequest(
            [
              ablyPresenceItem('room-1', [
                {
                  id: 'c-alice:1:0',
                  clientId: 'alice',
                  connectionId: 'c-alice',
                  action: ABLY_ACTION.enter,
                  timestamp: Date.now(),
                  data: { mood: 'curious' },
                },
              ]),
            ],
            { key: KEY },
          ),
        )
      ).status,
    ).toBe(200);
    await page.locator('tr.channel[data-channel="room-1"]').waitFor();
    await page.locator('#log li[data-type="join"]').first().waitFor();
    // the provider of an Ably channel is shown (Ably reports no occupancy: it comes from its events)
    expect(await page.locator('tr.channel[data-channel="room-1"] td.provider').textContent()).toBe('ably');
    expect(await page.locator('tr.channel[data-channel="lobby"] td.provider').textContent()).toBe('ably');
    await page.click('tr.channel[data-channel="room-1"]');
    const alice = page.locator('tr.member[data-client="alice"]');
    await alice.waitFor();
    expect(await alice.textContent()).toContain('"mood": "curious"');
    // local time, UTC on hover
    expect(await alice.locator('td.since').getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\dT.*Z \(UTC\)$/);

    // a timestamp no Date can show is printed as it is, and the table still renders
    await page.click('tr.channel[data-channel="odd-times"]');
    const far = page.locator('tr.member[data-client="far-future"]');
    await far.waitFor();
    expect(await far.locator('td.since').textContent()).toBe('1e+308');

    // the chart: joins counted per second over the last 15 minutes, moving as deliveries arrive
    const joins = async () => Number(await page.locator('#chart-changes').getAttribute('data-joins'));
    await expect.poll(joins).toBe(2);
    const points = await page.locator('#chart-changes polyline[data-series="joins"]').getAttribute('points');
    // 60 channels, one member each, and 60 members on one channel: more than a page of each
    const bulk = Array.from({ length: 60 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    expect(
      (
        await postTo(
          server.url,
          ablyBatchRequest(
            bulk.map((channel, i) =>
              ablyPresenceItem(channel, [
                { id: `c-b${i}:1:0`, clientId: `b${i}`, connectionId: `c-b${i}`, action: ABLY_ACTION.enter, timestamp: Date.now() - 1000 },
              ]),
            ),
            { key: KEY },
          ),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await postTo(
          server.url,
          ablyBatchRequest(
            [
              ablyPresenceItem(
                'crowd',
                Array.from({ length: 60 }, (_, i) => ({
                  id: `c-m${i}:1:0`,
                  clientId: `member-${String(i).padStart(2, '0')}`,
                  connectionId: `c-m${i}`,
                  action: ABLY_ACTION.enter,
                  timestamp: Date.now() - 1000,
                })),
              ),
            ],
            { key: KEY },
          ),
        )
      ).status,
    ).toBe(200);
    await expect.poll(joins).toBe(122);
    expect(await page.locator('#chart-changes polyline[data-series="joins"]').getAttribute('points')).not.toBe(points);
    await expect.poll(() => page.locator('#chart-online').getAttribute('data-online')).toBe('123');

    // channel paging: 64 channels, 50 a page
    await expect.poll(() => page.locator('#channel-page').textContent()).toBe('page 1 of 2 (64 channels)');
    expect(await page.locator('tr.channel').count()).toBe(50);
    await page.click('#channel-next');
    await expect.poll(() => page.locator('#channel-page').textContent()).toBe('page 2 of 2 (64 channels)');
    await page.locator('tr.channel[data-channel="room-1"]').waitFor();
    expect(await page.locator('tr.channel').count()).toBe(14);
    // channel search
    await page.fill('#channel-search', 'BULK-5');
    await expect.poll(() => page.locator('#channel-page').textContent()).toBe('page 1 of 1 (10 channels)');
    expect(await page.locator('tr.channel').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-channel')))).toEqual(
      Array.from({ length: 10 }, (_, i) => `bulk-5${i}`),
    );
    await page.fill('#channel-search', 'crowd');
    await page.locator('tr.channel[data-channel="crowd"]').waitFor();
    expect(await page.locator('tr.channel').count()).toBe(1);
    // member paging and search
    await page.click('tr.channel[data-channel="crowd"]');
    await expect.poll(() => page.locator('#member-page').textContent()).toBe('page 1 of 2 (60 members)');
    expect(await page.locator('tr.member').count()).toBe(50);
    await page.click('#member-next');
    await page.locator('tr.member[data-client="member-59"]').waitFor();
    expect(await page.locator('tr.member').count()).toBe(10);
    await page.fill('#member-search', 'member-0');
    await expect.poll(() => page.locator('#member-page').textContent()).toBe('page 1 of 1 (10 members)');
    await page.fill('#channel-search', '');
    await expect.poll(() => page.locator('#channel-page').textContent()).toBe('page 1 of 2 (64 channels)');

    // PubNub reports 3 present where the store holds 1: highlighted as drift
    const seconds = Math.floor(Date.now() / 1000);
    expect(
      (
        await postTo(
          server.url,
          pubnubLegacyRequest(
            { action: 'join', channel: 'pn-room', uuid: 'bob', timestamp: seconds, occupancy: 3 },
            { secret: PUBNUB_SECRET },
          ),
        )
      ).status,
    ).toBe(200);
    await page.fill('#channel-search', 'room');
    const drifted = page.locator('tr.channel.drift[data-channel="pn-room"]');
    await drifted.waitFor();
    expect(await drifted.locator('td.stored').textContent()).toBe('1');
    expect(await drifted.locator('td.reported').textContent()).toBe('3');
    expect(await page.locator('tr.channel.drift[data-channel="room-1"]').count()).toBe(0);
    expect(await page.locator('tr.channel[data-channel="pn-room"] td.provider').textContent()).toBe('pubnub');
    // carol joins, without a new figure: the store changed since the 3 was reported, so it is no drift any more
    expect(
      (
        await postTo(
          server.url,
          pubnubEventsRequest(
            'join',
            [pubnubEventItem({ id: 'pn-carol-1', channel: 'pn-room', userId: 'carol', timestampMs: Date.now() })],
            {
              secret: PUBNUB_SECRET,
            },
          ),
        )
      ).status,
    ).toBe(200);
    await expect.poll(() => page.locator('tr.channel[data-channel="pn-room"] td.stored').textContent()).toBe('2');
    expect(await page.locator('tr.channel.drift[data-channel="pn-room"]').count()).toBe(0);
    // a forged delivery shows up as a rejection in the live stream
    expect((await postTo(server.url, ablyBatchRequest([ablyPresenceItem('room-1', [])], { key: 'browserApp.key1:forged' }))).status).toBe(
      401,
    );
    await page.locator('#log li[data-type="rejection"]').first().waitFor();
    await expect.poll(() => page.locator('[data-counter="deliveries ably accepted"] b').textContent()).toBe('4');
    await expect.poll(() => page.locator('[data-counter="deliveries pubnub accepted"] b').textContent()).toBe('2');
    await expect.poll(() => page.locator('[data-counter="rejections unauthorized"] b').textContent()).toBe('1');
    await expect.poll(() => page.locator('#chart-changes').getAttribute('data-rejections')).toBe('1');
    // counters in groups, for the configured providers only (no Pusher here)
    expect(await page.locator('#counters .group h3').allTextContents()).toEqual(['Deliveries', 'Changes', 'Resyncs', 'Refusals', 'Store']);
    expect(await page.locator('[data-counter*="pusher"]').count()).toBe(0);
    // the place the users view will take
    await page.click('nav.tabs button[data-view="view-users"]');
    expect(await page.locator('#view-users').isVisible()).toBe(true);
    expect(await page.locator('#view-channels').isVisible()).toBe(false);
    await page.click('nav.tabs button[data-view="view-channels"]');

    expect(navigations).toBe(1); // everything above arrived without a reload
    expect(problems).toEqual([]); // no CSP violation, no script error
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });
    await page.close();
  });

  it('users view: finds a user by id (channels, members, since, last seen), lists a channel’s users, groups members by user, live', async () => {
    const { page, problems } = await watchedPage();
    // dana on two connections in chat-1 and one in chat-2; eve in chat-1 (times a few minutes ago)
    const at = Date.now() - 180_000;
    const enter = (clientId: string, connectionId: string, timestamp: number) => ({
      id: `${connectionId}:1:0`,
      clientId,
      connectionId,
      action: ABLY_ACTION.enter,
      timestamp,
    });
    const deliver = async (items: Parameters<typeof ablyBatchRequest>[0]) =>
      expect((await postTo(server.url, ablyBatchRequest(items, { key: KEY }))).status).toBe(200);
    await deliver([
      ablyPresenceItem('chat-1', [enter('dana', 'c-d1', at), enter('dana', 'c-d2', at + 1000), enter('eve', 'c-e1', at + 2000)]),
      ablyPresenceItem('chat-2', [enter('dana', 'c-d3', at + 3000)]),
    ]);

    await page.goto(`${server.url}/inspector`); // the session cookie of the first test signs this page in
    await page.locator('#app').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');

    // a channel's members grouped under their user id
    await page.fill('#channel-search', 'chat-1');
    await page.click('tr.channel[data-channel="chat-1"]');
    await page.locator('#members tr.user-group[data-user="dana"]').waitFor();
    const rows = await page
      .locator('#members tr')
      .evaluateAll((trs) => trs.map((tr) => `${tr.className}:${tr.getAttribute('data-user')}:${tr.getAttribute('data-client') ?? ''}`));
    expect(rows).toEqual(['user-group:dana:', 'member:dana:dana', 'member:dana:dana', 'user-group:eve:', 'member:eve:eve']);
    expect(await page.locator('#members tr.user-group[data-user="dana"]').textContent()).toBe('dana · 2 members');

    // the users view: search dana by id
    await page.click('nav.tabs button[data-view="view-users"]');
    await page.fill('#user-search', 'dana');
    await page.click('#user-form button');
    const card = page.locator('#user-card');
    await expect.poll(() => card.getAttribute('data-user')).toBe('dana');
    expect(await card.locator('[data-field="online"]').textContent()).toBe('online');
    expect(await card.locator('[data-field="channels"] button').allTextContents()).toEqual(['chat-1', 'chat-2']);
    expect(await card.locator('[data-field="members"]').textContent()).toBe('3');
    expect(await card.locator('[data-field="since"] span').getAttribute('title')).toBe(`${new Date(at).toISOString()} (UTC)`);
    expect(await card.locator('[data-field="lastSeen"]').textContent()).toBe('—');
    // the users of the selected channel (chat-1, selected in the channels view)
    expect(await page.locator('#channel-users-title').textContent()).toBe('Users of chat-1');
    expect(await page.locator('#channel-users button').allTextContents()).toEqual(['dana', 'eve']);
    // a channel of the user's selects it: its users
    await card.locator('[data-field="channels"] button[data-channel="chat-2"]').click();
    await expect.poll(() => page.locator('#channel-users button').allTextContents()).toEqual(['dana']);
    await card.locator('[data-field="channels"] button[data-channel="chat-1"]').click();
    await expect.poll(() => page.locator('#channel-users button').allTextContents()).toEqual(['dana', 'eve']);
    // a user of the channel: their card
    await page.click('#channel-users button[data-user="eve"]');
    await expect.poll(() => card.getAttribute('data-user')).toBe('eve');
    expect(await card.locator('[data-field="channels"] button').allTextContents()).toEqual(['chat-1']);

    // live: eve leaves; the stream says so and her card turns offline with her last seen
    const left = at + 60_000;
    await deliver([
      ablyPresenceItem('chat-1', [{ id: 'c-e1:2:0', clientId: 'eve', connectionId: 'c-e1', action: ABLY_ACTION.leave, timestamp: left }]),
    ]);
    await page.locator('#log li[data-type="user.offline"]').first().waitFor();
    expect(await page.locator('#log li[data-type="user.leave"]').first().textContent()).toContain('eve');
    await expect.poll(() => card.locator('[data-field="online"]').textContent()).toBe('offline');
    expect(await card.locator('[data-field="channels"]').textContent()).toBe('none');
    expect(await card.locator('[data-field="lastSeen"] span').getAttribute('title')).toBe(`${new Date(left).toISOString()} (UTC)`);
    await expect.poll(() => page.locator('#channel-users button').allTextContents()).toEqual(['dana']);
    // users online on the chart: the running figure equals the store's count
    const count = String(await receiver.users.count());
    await expect.poll(() => page.locator('#chart-online').getAttribute('data-users-online')).toBe(count);
    expect(await page.locator('#chart-online polyline[data-series="users"]').count()).toBe(1);
    expect(await page.locator('#chart-online .max').textContent()).toMatch(/^max \d+$/); // a count, not a rate

    // an unknown id finds nobody; times no Date can show are printed as they are
    await page.fill('#user-search', 'nobody-here');
    await page.click('#user-form button');
    await expect.poll(() => card.textContent()).toContain('No user "nobody-here"');
    await page.fill('#user-search', 'far-future');
    await page.click('#user-form button');
    await expect.poll(() => card.getAttribute('data-user')).toBe('far-future');
    expect(await card.locator('[data-field="since"]').textContent()).toBe('1e+308');
    expect(await card.locator('[data-field="lastSeen"]').textContent()).toBe('-1e+308');
    expect(await card.locator('[data-field="since"] span').getAttribute('title')).toBe('not a time');

    await page.fill('#user-search', 'dana');
    await page.click('#user-form button');
    await expect.poll(() => card.getAttribute('data-user')).toBe('dana');
    expect(problems).toEqual([]); // no CSP violation, no script error
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-users.png'), fullPage: true });
    await page.close();
  });
});
