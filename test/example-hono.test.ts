/**
 * examples/hono's app (the one `node dist/server.js` serves), over real HTTP with @hono/node-server:
 * a signed delivery on /webhooks, then the app's own members route.
 */
import { createReceiver } from '@presence-webhooks/core';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { describe, expect, it } from 'vitest';
import { createApp } from '../examples/hono/src/app.js';
import { serveFetch } from './helpers/web-server.js';
import { RECENT_MS } from './helpers/recent.js';

describe('examples/hono', () => {
  it('applies a signed delivery on /webhooks and lists the members on /channels/:channel/members', async () => {
    const receiver = createReceiver({ ably: { keys: [SUITE_KEY] } });
    const server = await serveFetch(createApp(receiver).fetch);
    try {
      const enter = ablyBatchRequest(
        [ablyPresenceItem('room-1', [{ id: 'ex1:0:0', clientId: 'ex-user', connectionId: 'ex1', action: 2, timestamp: RECENT_MS }])],
        { key: SUITE_KEY },
      );
      expect((await sendHttp(`${server.base}/webhooks`, enter)).status).toBe(200);
      const members = await sendHttp(`${server.base}/channels/room-1/members`, { method: 'GET' });
      expect((JSON.parse(members.text) as { clientId: string }[]).map((m) => m.clientId)).toEqual(['ex-user']);
      expect((await sendHttp(`${server.base}/webhooks/other`, enter)).status).toBe(404);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
