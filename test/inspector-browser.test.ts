// The inspector in a real browser (Debian's Chromium driven by playwright-core): sign in, see the
// channels, a delivery's member appears without reloading, a drift is highlighted, a wrong token
// is refused. A screenshot goes to test/artifacts/inspector.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReceiver } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, pubnubLegacyRequest } from '@presence-webhooks/testing';
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

describe.skipIf(!available)('inspector in Chromium', () => {
  const receiver = createReceiver({ ably: { keys: [KEY] }, pubnub: { secret: PUBNUB_SECRET }, inspector: { token: TOKEN } });
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

  it('signs in, shows channels, streams a new member, highlights drift, refuses a wrong token', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (message) => {
      // the 401s of the sign-in check and of the wrong token are expected answers, not page errors
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
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
    await page.click('tr.channel[data-channel="room-1"]');
    const alice = page.locator('tr.member[data-client="alice"]');
    await alice.waitFor();
    expect(await alice.textContent()).toContain('"mood": "curious"');

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
    const drifted = page.locator('tr.channel.drift[data-channel="pn-room"]');
    await drifted.waitFor();
    expect(await drifted.locator('td.stored').textContent()).toBe('1');
    expect(await drifted.locator('td.reported').textContent()).toBe('3');
    expect(await page.locator('tr.channel.drift[data-channel="room-1"]').count()).toBe(0);
    // a forged delivery shows up as a rejection in the live stream
    expect((await postTo(server.url, ablyBatchRequest([ablyPresenceItem('room-1', [])], { key: 'browserApp.key1:forged' }))).status).toBe(
      401,
    );
    await page.locator('#log li[data-type="rejection"]').first().waitFor();
    await expect.poll(() => page.locator('[data-counter="deliveries ably accepted"] b').textContent()).toBe('2');
    await expect.poll(() => page.locator('[data-counter="deliveries pubnub accepted"] b').textContent()).toBe('1');
    await expect.poll(() => page.locator('[data-counter="rejections unauthorized"] b').textContent()).toBe('1');

    expect(navigations).toBe(1); // everything above arrived without a reload
    expect(problems).toEqual([]); // no CSP violation, no script error
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });
    await page.close();
  });
});
