import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { createReceiver } from '../receiver.js';
import type { DeliveryMessage, HandleTraceContext, ReconcileMessage, RejectionMessage, StoreApplyTraceContext } from './channels.js';
import {
  DELIVERY_CHANNEL,
  HANDLE_CHANNEL,
  publishReconcile,
  RECONCILE_CHANNEL,
  REJECTION_CHANNEL,
  STORE_APPLY_CHANNEL,
  traced,
} from './channels.js';

const KEY = 'chanApp.key1:chan-secret';
const offs: (() => void)[] = [];
afterEach(() => {
  for (const off of offs.splice(0)) off();
});

function listen<T>(name: string): T[] {
  const seen: T[] = [];
  const onMessage = (message: unknown) => void seen.push(message as T);
  diagnostics.subscribe(name, onMessage);
  offs.push(() => diagnostics.unsubscribe(name, onMessage));
  return seen;
}

/** What each hook saw, when it ran (`status`: the answer's, if any, at that moment). */
function trace<T extends object>(name: string): { phase: string; context: T; status?: number }[] {
  const seen: { phase: string; context: T; status?: number }[] = [];
  const at = (phase: string) => (context: T) =>
    void seen.push({ phase, context, status: (context as { result?: { status: number } }).result?.status });
  const hooks = { start: at('start'), end: () => undefined, asyncStart: () => undefined, asyncEnd: at('asyncEnd'), error: at('error') };
  const channel = diagnostics.tracingChannel<unknown, T>(name);
  channel.subscribe(hooks);
  offs.push(() => channel.unsubscribe(hooks));
  return seen;
}

const enter = { id: 'c1:1:0', clientId: 'alice', connectionId: 'c1', action: 2, timestamp: 1_700_000_000_000 };

describe('diagnostics channels', () => {
  it('trace handle and store.apply, and publish deliveries and rejections, for the receiver they come from', async () => {
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    const handles = trace<HandleTraceContext>(HANDLE_CHANNEL);
    const applies = trace<StoreApplyTraceContext>(STORE_APPLY_CHANNEL);
    const deliveries = listen<DeliveryMessage>(DELIVERY_CHANNEL);
    const rejections = listen<RejectionMessage>(REJECTION_CHANNEL);
    const good = ablyBatchRequest([ablyPresenceItem('room', [enter])], { key: KEY });
    expect((await receiver.handle({ method: 'POST', headers: good.headers, body: good.body })).status).toBe(200);
    const forged = ablyBatchRequest([ablyPresenceItem('room', [enter])], { key: 'chanApp.key1:wrong' });
    expect((await receiver.handle({ method: 'POST', headers: forged.headers, body: forged.body })).status).toBe(401);
    await receiver.idle();
    expect(handles.map((h) => [h.phase, h.context.receiver === receiver, h.status])).toEqual([
      ['start', true, undefined],
      ['asyncEnd', true, 200],
      ['start', true, undefined],
      ['asyncEnd', true, 401],
    ]);
    expect(applies.map((a) => [a.phase, a.context.events])).toEqual([
      ['start', 1],
      ['asyncEnd', 1],
    ]);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ receiver, provider: 'ably', timestamps: [enter.timestamp] });
    expect(rejections).toEqual([{ receiver, status: 401, code: 'unauthorized', message: expect.any(String) }]);
    await receiver.close();
  });

  it('publish nothing, and build nothing, without a subscriber', () => {
    expect(traced(diagnostics.tracingChannel(HANDLE_CHANNEL))).toBe(false);
    expect(diagnostics.channel(RECONCILE_CHANNEL).hasSubscribers).toBe(false);
    publishReconcile({ receiver: {}, phase: 'start' }); // no subscriber: a no-op
    const seen = listen<ReconcileMessage>(RECONCILE_CHANNEL);
    publishReconcile({ receiver: {}, provider: 'ably', phase: 'snapshot', done: 1, total: 2 });
    expect(seen).toEqual([{ receiver: {}, provider: 'ably', phase: 'snapshot', done: 1, total: 2 }]);
  });
});
