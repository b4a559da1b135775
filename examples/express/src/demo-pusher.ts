/**
 * The demo's Pusher stream: users opening and closing connections to presence channels (a second
 * connection sends nothing; member_removed 3 s after the last one closes, dropped when the user is
 * back in time), in signed batches of up to 20 events / 250 ms, retried with identical bodies when
 * an answer is lost.
 */
import type { SimulationReport } from '@presence-webhooks/testing/simulator';
import { simulate } from '@presence-webhooks/testing/simulator';

/** The app key and secret the demo receiver trusts (PUSHER_KEY / PUSHER_SECRET override them). */
export const PUSHER_DEMO = {
  key: process.env.PUSHER_KEY ?? 'demo-pusher-app-key',
  secret: process.env.PUSHER_SECRET ?? 'demo-pusher-secret-not-for-production',
};

/** The receiver option for the demo's Pusher app. */
export const pusherDemoOptions = { keys: [{ key: PUSHER_DEMO.key, secret: PUSHER_DEMO.secret }] };

export async function runPusherStream(common: {
  url: string;
  readToken: string;
  seed: number;
  durationMs: number;
  timeScale: number;
  duplicateRate: number;
}): Promise<SimulationReport> {
  return simulate({
    ...common,
    provider: 'pusher',
    key: PUSHER_DEMO.key,
    secret: PUSHER_DEMO.secret,
    channels: ['presence-lobby', 'presence-room-1', 'presence-room-2'],
    members: 10,
    events: 300,
  });
}
