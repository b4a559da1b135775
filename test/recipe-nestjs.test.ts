/**
 * The NestJS recipe (docs/recipes/nestjs.md): a real Nest app on its Express adapter, started on
 * 127.0.0.1:0 by the recipe's own bootstrap(), with signed deliveries over real HTTP and a Nest
 * controller reading the presence set.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createReceiver } from '@presence-webhooks/core';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from './recipes/nestjs/main.js';
import { RECENT_MS } from './helpers/recent.js';

describe('NestJS recipe (Express adapter, middleware mounted in main.ts)', () => {
  const receiver = createReceiver({ ably: { keys: [SUITE_KEY] } });
  let app: NestExpressApplication;
  let base: string;

  beforeAll(async () => {
    app = await bootstrap(receiver, 0);
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  it('a signed delivery is applied (200) and the Nest controller reads it; a forged one gets 401', async () => {
    const enter = ablyBatchRequest(
      [ablyPresenceItem('nest-room', [{ id: 'ns1:0:0', clientId: 'nest-user', connectionId: 'ns1', action: 2, timestamp: RECENT_MS }])],
      { key: SUITE_KEY },
    );
    const answer = await sendHttp(`${base}/webhooks`, enter);
    expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { ok: true, events: 1, rejected: 0 }]);
    await receiver.idle();
    const members = await sendHttp(`${base}/channels/nest-room/members`, { method: 'GET' });
    expect(members.status).toBe(200);
    expect((JSON.parse(members.text) as { clientId: string }[]).map((m) => m.clientId)).toEqual(['nest-user']);

    const forged = await sendHttp(`${base}/webhooks`, { ...enter, headers: { ...enter.headers, 'x-ably-signature': 'AAAA' } });
    expect(forged.status).toBe(401);
  });

  it("Nest's own routes are untouched: an unknown path is Nest's 404", async () => {
    const answer = await sendHttp(`${base}/nope`, { method: 'GET' });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ statusCode: 404 });
  });
});
