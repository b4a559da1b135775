import { describe, expect, it } from 'vitest';
import type { Change, PresenceEvent } from '../events.js';
import { PartialApplyError } from '../store.js';
import { Batch, BATCH_EVENTS, changesByDelivery, mergeBatch, plain } from './batch.js';
import type { Delivery } from './delivery.js';
import { presenceEvent } from '../../../../test/helpers/presence-event.js';

const event = (channel: string, clientId: string): PresenceEvent => presenceEvent(channel, clientId, 0, true, Date.now() - 60_000);
const delivery = (...events: PresenceEvent[]): Delivery => ({ provider: 'ably', presence: events, channel: [], problems: [] });
const join = (e: PresenceEvent): Change => ({ type: 'join', provider: 'ably', channel: e.channel, member: e.member });
const online = (userId: string): Change => ({ type: 'user.online', userId, provider: 'ably', channel: 'a', at: 1 });

describe('Batch', () => {
  it('takes plain deliveries of the same attempts until it starts, within BATCH_EVENTS', () => {
    const batch = new Batch(1);
    void batch.add(delivery(event('a', 'x')));
    expect(batch.takes(delivery(event('b', 'y')), 1)).toBe(true);
    expect(batch.takes(delivery(event('b', 'y')), undefined)).toBe(false);
    const big = delivery(...Array.from({ length: BATCH_EVENTS }, (_, i) => event('c', `m${i}`)));
    expect(batch.takes(big, 1)).toBe(false);
    expect(plain(big)).toBe(false);
    batch.start();
    expect(batch.takes(delivery(event('b', 'y')), 1)).toBe(false);
  });

  it('settles each delivery with its own outcome: only those with channels left are lost', async () => {
    const batch = new Batch(1);
    const [first, second] = [delivery(event('a', 'x')), delivery(event('bad', 'y'))];
    const outcomes = [batch.add(first), batch.add(second)].map((p) =>
      p.then(
        () => 'ok',
        () => 'lost',
      ),
    );
    batch.start();
    await expect(
      mergeBatch(batch, {
        merge: (ds) =>
          Promise.reject(
            new PartialApplyError(
              ds
                .flatMap((d) => d.presence)
                .filter((e) => e.channel === 'a')
                .map(join),
              ['bad'],
              new Error('no'),
            ),
          ),
        recovered: () => undefined,
      }),
    ).rejects.toBeInstanceOf(PartialApplyError);
    const lost: Delivery[] = [];
    batch.settle(true, new Error('given up'), (d) => void lost.push(d));
    expect(await Promise.all(outcomes)).toEqual(['ok', 'lost']);
    expect(lost).toEqual([second]);
  });

  it('falls back to one call per delivery when the store refuses the batch, and says it recovered', async () => {
    const batch = new Batch(undefined);
    void batch.add(delivery(event('a', 'x')));
    void batch.add(delivery(event('b', 'y')));
    batch.start();
    const calls: number[] = [];
    const recovered: unknown[] = [];
    await mergeBatch(batch, {
      merge: (ds) => (calls.push(ds.length), ds.length > 1 ? Promise.reject(new Error('too big')) : Promise.resolve()),
      recovered: (cause) => void recovered.push(cause),
    });
    expect(calls).toEqual([2, 1, 1]);
    expect(recovered).toHaveLength(1);
    expect(batch.left).toEqual([[], []]);
  });
});

describe('mergeBatch and a store that rejects with undefined', () => {
  it('still counts the delivery as failed: it is retried, then lost', async () => {
    const batch = new Batch(1);
    const outcome = batch.add(delivery(event('a', 'x'))).then(
      () => 'ok',
      () => 'lost',
    );
    batch.start();
    let threw = false;
    await mergeBatch(batch, { merge: () => Promise.reject(undefined), recovered: () => undefined }).catch(() => (threw = true));
    expect(threw).toBe(true);
    const lost: Delivery[] = [];
    batch.settle(true, undefined, (d) => void lost.push(d));
    expect(await outcome).toBe('lost');
    expect(lost).toHaveLength(1);
  });
});

describe('Batch.settle', () => {
  it('settles every delivery even when the lost hook throws, then rethrows the first throw', async () => {
    const batch = new Batch(1);
    const outcomes = [batch.add(delivery(event('a', 'x'))), batch.add(delivery(event('b', 'y')))].map((p) =>
      p.then(
        () => 'ok',
        () => 'lost',
      ),
    );
    batch.start();
    expect(() =>
      batch.settle(true, new Error('given up'), () => {
        throw new Error('hook');
      }),
    ).toThrow('hook');
    expect(await Promise.all(outcomes)).toEqual(['lost', 'lost']);
  });
});

describe('changesByDelivery', () => {
  it("gives each member change to its event's delivery and each user change to the member change before it", () => {
    const [x, y, z] = [event('a', 'x'), event('b', 'y'), event('a', 'z')];
    const deliveries = [delivery(x), delivery(y, z)];
    // A store that answers channel by channel: a's changes (x, z) before b's (y).
    const parts = changesByDelivery(deliveries, [join(x), online('x'), join(z), online('z'), join(y)]);
    expect(parts).toEqual([
      [join(x), online('x')],
      [join(z), online('z'), join(y)],
    ]);
  });
});
