// Signed Ably bodies for the benchmarks: realistic 10-item presence batches, every message unique.
import { ablyBatchRequest, ablyPresenceItem, ABLY_ACTION } from '@presence-webhooks/testing';

export const BENCH_KEY = 'bench.key:bench-secret-0123456789';

/** `count` signed requests of `items` items with `perItem` presence messages each, over `channels` channels. */
export function presenceBodies({ count, items = 10, perItem = 1, channels = 100, format = 'json', start = 0 }) {
  const out = [];
  let n = start;
  for (let b = 0; b < count; b++) {
    const list = [];
    for (let i = 0; i < items; i++) {
      const channel = `room-${(b * items + i) % channels}`;
      const presence = [];
      for (let p = 0; p < perItem; p++, n++) {
        const conn = `conn${(n >> 1).toString(36)}`;
        const leave = n % 2 === 1;
        presence.push({
          id: `${conn}:${leave ? 1 : 0}:0`,
          clientId: `user-${(n >> 1) % 5000}`,
          connectionId: conn,
          action: leave ? ABLY_ACTION.leave : ABLY_ACTION.enter,
          timestamp: 1_700_000_000_000 + n,
          ...(leave ? {} : { data: JSON.stringify({ status: 'online', n }), encoding: 'json' }),
        });
      }
      list.push(ablyPresenceItem(channel, presence));
    }
    out.push(ablyBatchRequest(list, { key: BENCH_KEY, format }));
  }
  return out;
}
