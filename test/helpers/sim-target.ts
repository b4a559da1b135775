/**
 * A real Express server on loopback for the simulator and CLI tests: the webhook middleware (read
 * endpoint on or off), optionally behind a fault injector that answers 500, never answers, or
 * processes a delivery and then drops the connection instead of answering (a lost answer).
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';
import { afterEach } from 'vitest';

export const SIM_KEY = 'simApp.simKey:simulator-test-secret';
export const SIM_SECRET = 'simulator-pubnub-secret';
export const SIM_PUSHER_KEY = 'sim-pusher-app-key';
export const SIM_PUSHER_SECRET = 'sim-pusher-app-secret';

export interface Faults {
  /** Every n-th POST (counting from the first) is answered 500 without reaching the receiver. */
  fail500Every?: number;
  /** Every n-th POST is never answered (the client times out). */
  stallEvery?: number;
  /** Every n-th POST reaches the receiver, which applies it, but the connection is dropped instead of the answer. */
  loseAnswerEvery?: number;
  /** Every n-th POST is answered 200 like the receiver would, but never reaches it (a receiver that loses data). */
  swallowEvery?: number;
  /** Every POST is answered 500. */
  alwaysFail?: boolean;
  /** A body that already met this many faults is let through (so a provider's bounded retries get it in). */
  maxPerBody?: number;
}

export interface SimTarget {
  url: string;
  receiver: Receiver;
  /** What the receiver reported to onError (a clean run reports nothing). */
  errors: Error[];
  /** What the fault injector did, by kind. */
  injected: { fail500: number; stall: number; lostAnswer: number; swallowed: number };
  close(): Promise<void>;
}

export async function startSimTarget(
  options: { readEndpoint?: ReceiverOptions['readEndpoint']; faults?: Faults } = {},
): Promise<SimTarget> {
  const errors: Error[] = [];
  const receiver = createReceiver({
    ably: { keys: [SIM_KEY] },
    pubnub: { secret: SIM_SECRET },
    pusher: { keys: [{ key: SIM_PUSHER_KEY, secret: SIM_PUSHER_SECRET }] },
    ...(options.readEndpoint === undefined ? {} : { readEndpoint: options.readEndpoint }),
    logger: { warn: () => undefined },
    onError: (error) => void errors.push(error),
  });
  const injected = { fail500: 0, stall: 0, lostAnswer: 0, swallowed: 0 };
  const faults = options.faults ?? {};
  const app = express();
  let posts = 0;
  const hits = (every: number | undefined, n: number) => every !== undefined && n % every === 0;
  const faultsPerBody = new Map<string, number>();
  // Read the body first (kept as req.rawBody for the middleware) so that faults can be counted per body.
  app.use('/webhooks', express.raw({ type: () => true, limit: '10mb' }), (req, res, next) => {
    if (req.method !== 'POST') return next();
    const raw = req.body as Buffer;
    Object.assign(req, { rawBody: raw });
    const n = ++posts;
    const body = createHash('sha256').update(raw).digest('hex');
    const seen = faultsPerBody.get(body) ?? 0;
    if (seen >= (faults.maxPerBody ?? Infinity)) return next();
    const fault = (kind: keyof typeof injected) => {
      injected[kind]++;
      faultsPerBody.set(body, seen + 1);
    };
    if (faults.alwaysFail === true || hits(faults.fail500Every, n)) {
      fault('fail500');
      res.status(500).json({ error: { code: 'injected', message: 'injected failure' } });
      return;
    }
    if (hits(faults.stallEvery, n)) {
      fault('stall');
      return; // never answered
    }
    if (hits(faults.swallowEvery, n)) {
      fault('swallowed');
      res.status(200).json({ ok: true, events: 1, rejected: 0 });
      return;
    }
    if (hits(faults.loseAnswerEvery, n)) {
      fault('lostAnswer');
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as typeof res.end;
    }
    next();
  });
  app.use('/webhooks', presenceWebhooks(receiver));
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    receiver,
    errors,
    injected,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await receiver.close();
    },
  };
}

/** Start targets from the current test file's tests; each is closed after its test. */
export function simTargets(): (options?: Parameters<typeof startSimTarget>[0]) => Promise<SimTarget> {
  const started: SimTarget[] = [];
  afterEach(async () => {
    for (const t of started.splice(0)) await t.close();
  });
  return async (options) => {
    const t = await startSimTarget(options);
    started.push(t);
    return t;
  };
}
