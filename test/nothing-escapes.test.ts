/**
 * Nothing escapes, over real HTTP (Express 5): a store whose apply throws synchronously, event
 * handlers that throw or reject, a normaliser that throws an unexpected (non-WebhookError) error,
 * an onReject or a waitUntil that throws: each gets a generic answer (no stack, no input echoed)
 * and goes to onError, and the process keeps serving: no unhandled rejection, no uncaught
 * exception, the next delivery lands.
 */
import type { Receiver, ReceiverOptions, RejectInfo } from '@presence-webhooks/core';
import type { Change, PresenceEvent } from '@presence-webhooks/core/store';
import { createReceiver } from '@presence-webhooks/core';
import type { BuiltRequest } from '@presence-webhooks/testing/builders';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp } from '@presence-webhooks/testing/conformance';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../packages/core/src/presence/memory-store.js';
import type { Provider } from '../packages/core/src/providers/provider.js';
import { startExpress } from './helpers/express-server.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'escApp.escKey:escape-secret';
/** Every body and every injected failure carries this: it must never be echoed in an answer. */
const MARKER = 'escape-marker-42';

let n = 0;
function enter(channel: string): BuiltRequest {
  n += 1;
  const presence = { id: `esc${n}:0:0`, clientId: `${MARKER}-${n}`, connectionId: `esc${n}`, action: 2, timestamp: RECENT_MS + n };
  return ablyBatchRequest([ablyPresenceItem(channel, [presence])], { key: KEY });
}

/** A MemoryStore that, while `broken`, throws synchronously from apply (a bug in a store, not a rejection). */
class ThrowingStore extends MemoryStore {
  broken = true;
  override apply(events: readonly PresenceEvent[]): Promise<Change[]> {
    if (this.broken) throw new TypeError(`store bug while applying ${MARKER}`);
    return super.apply(events);
  }
}

interface Setup {
  receiver: Receiver;
  url: string;
  errors: Error[];
  rejections: RejectInfo[];
  close(): Promise<void>;
}

async function setup(options: Partial<ReceiverOptions>): Promise<Setup> {
  const errors: Error[] = [];
  const rejections: RejectInfo[] = [];
  const receiver = createReceiver({
    ably: { keys: [KEY] },
    onError: (e) => void errors.push(e),
    onReject: (info) => void rejections.push(info),
    ...options,
  });
  const server = await startExpress(receiver);
  return {
    receiver,
    url: server.url,
    errors,
    rejections,
    close: async () => {
      await server.close();
      await receiver.close();
    },
  };
}

/** A generic answer: JSON with a code, no stack, nothing of the input or of the failure echoed. */
function expectGeneric(text: string, code: string): void {
  expect(JSON.parse(text)).toMatchObject({ error: { code } });
  expect(text).not.toContain(MARKER);
  expect(text).not.toMatch(/\n\s+at |TypeError|\.ts:\d/);
}

/** The receiver keeps serving: a normal delivery is answered 200 and lands. */
async function lands(s: Setup, channel: string): Promise<void> {
  const answer = await sendHttp(s.url, enter(channel));
  expect(answer.status).toBe(200);
  await s.receiver.idle();
  expect(await s.receiver.store.occupancy(channel)).toBe(1);
}

describe('nothing escapes: unexpected failures get a generic answer, go to onError, and the server keeps serving', () => {
  const escaped: unknown[] = [];
  const onEscape = (reason: unknown) => void escaped.push(reason);
  beforeEach(() => {
    escaped.length = 0;
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  afterEach(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
    expect(escaped).toEqual([]);
  });

  it('a store whose apply throws synchronously: after-store 503 store_failed (generic), on-receipt 200; onError both times', async () => {
    for (const ack of ['after-store', 'on-receipt'] as const) {
      const store = new ThrowingStore();
      const s = await setup({ store, ack, retry: { attempts: 1 } });
      try {
        const answer = await sendHttp(s.url, enter('sync-throw'));
        await s.receiver.idle();
        if (ack === 'after-store') {
          expect(answer.status).toBe(503);
          expectGeneric(answer.text, 'store_failed');
        } else {
          expect(answer.status).toBe(200);
        }
        expect(s.errors.map((e) => e.name)).toEqual(['StoreError']);
        expect(s.errors[0]?.message).toMatch(/store bug while applying/);
        store.broken = false;
        await lands(s, `after-sync-throw-${ack}`);
      } finally {
        await s.close();
      }
    }
  });

  it('event handlers that throw and reject: the delivery is applied and answered 200; onError gets one HandlerError', async () => {
    for (const ack of ['after-store', 'on-receipt'] as const) {
      const s = await setup({ ack });
      let calls = 0;
      s.receiver.on('join', () => {
        calls++;
        throw new Error(`handler bug ${MARKER}`);
      });
      s.receiver.on('join', async () => {
        calls++;
        await Promise.resolve();
        throw new Error(`async handler bug ${MARKER}`);
      });
      try {
        const answer = await sendHttp(s.url, enter('handler-throws'));
        expect(answer.status).toBe(200);
        expect(answer.text).not.toContain(MARKER);
        await s.receiver.idle();
        expect(await s.receiver.store.occupancy('handler-throws')).toBe(1);
        expect(calls).toBe(2);
        expect(s.errors.map((e) => e.name)).toEqual(['HandlerError']);
        expect((s.errors[0] as AggregateError).errors).toHaveLength(2);
        await lands(s, `after-handler-${ack}`);
      } finally {
        await s.close();
      }
    }
  });

  it('a normaliser that throws a non-WebhookError: 500 internal_error with a generic body; onError and onReject hear of it', async () => {
    const s = await setup({});
    // Injected: the receiver's own Ably provider (internal) throws what a bug in a normaliser would.
    const provider = (s.receiver as unknown as { front: { parts: { pipeline: { providers: Provider[] } } } }).front.parts.pipeline
      .providers[0] as Provider;
    const normalise = provider.normalise;
    provider.normalise = () => {
      throw new TypeError(`Cannot read properties of undefined (reading '${MARKER}')`);
    };
    try {
      const answer = await sendHttp(s.url, enter('normaliser-throws'));
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual({ error: { code: 'internal_error', message: 'The webhook could not be processed' } });
      expectGeneric(answer.text, 'internal_error');
      expect(s.errors).toHaveLength(1);
      expect(s.errors[0]).toBeInstanceOf(TypeError);
      expect(s.rejections.map((r) => [r.status, r.code])).toEqual([[500, 'internal_error']]);
      expect(JSON.stringify(s.rejections)).not.toContain(MARKER);
      expect(await s.receiver.store.channels()).toEqual([]);
      // Several at once, while normal deliveries keep landing.
      const answers = await Promise.all(Array.from({ length: 5 }, () => sendHttp(s.url, enter('normaliser-throws'))));
      expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500, 500]);
      provider.normalise = normalise;
      await lands(s, 'after-normaliser');
    } finally {
      await s.close();
    }
  });

  it('a waitUntil that throws (a serverless platform hook): handle() still answers 200, the delivery lands, onError hears of it', async () => {
    const errors: Error[] = [];
    const receiver = createReceiver({ ably: { keys: [KEY] }, onError: (e) => void errors.push(e) });
    try {
      const { headers, body } = enter('wait-until-throws');
      const answer = await receiver.handle(
        { method: 'POST', headers, body },
        {
          waitUntil: () => {
            throw new Error('waitUntil bug');
          },
        },
      );
      expect(answer.status).toBe(200);
      await receiver.idle();
      expect(await receiver.store.occupancy('wait-until-throws')).toBe(1);
      expect(errors.map((e) => e.message)).toEqual(['waitUntil bug']);
    } finally {
      await receiver.close();
    }
  });

  it('an onReject that throws: the refusal is still answered, and onError hears of it', async () => {
    const errors: Error[] = [];
    const receiver = createReceiver({
      ably: { keys: [KEY] },
      onError: (e) => void errors.push(e),
      onReject: () => {
        throw new Error('onReject bug');
      },
    });
    const server = await startExpress(receiver);
    try {
      const answer = await sendHttp(server.url, { ...enter('refused'), headers: { 'content-type': 'application/json' } });
      expect(answer.status).toBe(401);
      expect(errors.map((e) => e.message)).toEqual(['onReject bug']);
      expect((await sendHttp(server.url, enter('after-refused'))).status).toBe(200);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
