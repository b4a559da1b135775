// Signed Ably bodies for the benchmarks: realistic presence batches, every message unique.
//
// Each item is one channel's presence messages. Per channel, members go through
// enter -> update -> leave in order (serials 0, 1, 2 on their own connection), so a third of the
// events are joins, a third updates and a third leaves: every event is an effective change, and
// the store ends up holding tombstones as it would in production. Enters and updates carry
// JSON-encoded data (`encoding: 'json'`), as ably-js sends an object.
import { ablyBatchRequest, ABLY_ACTION } from '@presence-webhooks/testing/builders';
import { BENCH_KEY, OCTOKIT_SECRET } from './bench-key.mjs';

export { BENCH_KEY, OCTOKIT_SECRET };

const STEPS = [ABLY_ACTION.enter, ABLY_ACTION.update, ABLY_ACTION.leave];

/**
 * Provider times of a few minutes ago (a receiver treats events older than its horizon, 10 minutes, as
 * stale): the messages order by their serials, so their times only move one ms per thousand messages.
 */
const T0 = Date.now() - 8 * 60_000;
const at = (q) => T0 + Math.floor(q / 1000);

/** The presence messages of one item: channel `c`, the item's `round` on that channel. */
function itemPresence(c, round, perItem, clients) {
  const presence = [];
  for (let j = 0; j < perItem; j++) {
    const q = round * perItem + j; // message number on this channel
    const m = Math.floor(q / 3); // member number on this channel
    const step = q % 3;
    const conn = `c${c.toString(36)}x${m.toString(36)}`;
    const message = {
      id: `${conn}:${step}:0`,
      clientId: `user-${(m * 7 + c) % clients}`,
      connectionId: conn,
      action: STEPS[step],
      timestamp: at(q),
    };
    if (step !== 2) Object.assign(message, { data: JSON.stringify({ status: step === 0 ? 'online' : 'away', n: q }), encoding: 'json' });
    presence.push(message);
  }
  return presence;
}

/**
 * `count` signed requests of `items` items with `perItem` presence messages each, over `channels`
 * channels. `start` is the number of requests before these in the same sequence (a later slice
 * continues where an earlier one stopped, so a store fed both sees only new events).
 */
export function presenceBodies({ count, items = 10, perItem = 1, channels = 100, format = 'json', start = 0, clients = 5000 }) {
  const out = [];
  for (let b = start; b < start + count; b++) {
    const list = [];
    for (let i = 0; i < items; i++) {
      const k = b * items + i; // global item number
      const c = k % channels;
      const round = Math.floor(k / channels);
      const timestamp = at(round * perItem + perItem - 1);
      list.push({
        webhookId: 'N6A8rg',
        source: 'channel.presence',
        serial: `4ab22b4737770514:${k}`,
        timestamp,
        name: 'presence.message',
        data: { channelId: `room-${c}`, site: 'eu-west-1-A', presence: itemPresence(c, round, perItem, clients) },
      });
    }
    const request = ablyBatchRequest(list, { key: BENCH_KEY, format });
    request.headers['x-ably-version'] = '1.2';
    out.push(request);
  }
  return out;
}
