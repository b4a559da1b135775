import { randomBytes } from 'node:crypto';
import type { PresenceStore, ReceiverOptions, ReconcileEvent, ReconcileResult } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import type { ReconcileCommand } from './args.js';
import { UsageError } from './args.js';

/** What the command needs of `@presence-webhooks/redis` (loaded only with --redis: this package does not depend on it). */
interface RedisModule {
  RedisStore: new (options: { url: string; prefix?: string }) => PresenceStore & { close(): Promise<void> };
}

const REDIS_PACKAGE = '@presence-webhooks/redis';

/** A RedisStore from `@presence-webhooks/redis` (`from`: the package to load, for tests); a UsageError when it is not installed. */
export async function redisStore(
  url: string,
  prefix: string | undefined,
  from = REDIS_PACKAGE,
): Promise<PresenceStore & { close(): Promise<void> }> {
  let module: RedisModule;
  try {
    module = (await import(from)) as RedisModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(`install ${REDIS_PACKAGE} to use --redis (npm install ${REDIS_PACKAGE})`);
    throw error;
  }
  return new module.RedisStore({ url, ...(prefix === undefined ? {} : { prefix }) });
}

/** The receiver options that reconcile: REST only (it receives no webhook, so PubNub's secret is a throwaway one). */
export function reconcileReceiverOptions(command: ReconcileCommand, store: PresenceStore | undefined): ReceiverOptions {
  const { ably, pubnub, pusher } = command.credentials;
  const baseUrl = (url: string | undefined) => (url === undefined ? {} : { baseUrl: url });
  const options: ReceiverOptions = {
    resync: {
      onStart: false,
      ...(command.concurrency === undefined ? {} : { concurrency: command.concurrency }),
      ...(command.rate === undefined ? {} : { maxRequestsPerSecond: command.rate }),
    },
    ...(store === undefined ? {} : { store }),
  };
  if (ably !== undefined)
    options.ably = { keys: [ably.key], rest: { ...baseUrl(ably.restUrl), ...(ably.prefix === undefined ? {} : { prefix: ably.prefix }) } };
  if (pubnub !== undefined)
    options.pubnub = { secret: randomBytes(16).toString('hex'), subscribeKey: pubnub.subscribeKey, rest: baseUrl(pubnub.restUrl) };
  if (pusher !== undefined)
    options.pusher = { keys: [{ key: pusher.key, secret: pusher.secret }], appId: pusher.appId, rest: baseUrl(pusher.restUrl) };
  return options;
}

export interface ReconcileRun {
  result: ReconcileResult;
  /** Errors the receiver reported along the way (per channel), their messages only. */
  errors: string[];
  store: 'memory' | 'redis';
}

/**
 * One whole-app reconcile with the command's providers and store; `onProgress` gets the receiver's
 * `reconcile` events. The receiver and the store are closed before it resolves.
 */
export async function runReconcile(
  command: ReconcileCommand,
  onProgress?: (event: ReconcileEvent) => void,
  signal?: AbortSignal,
): Promise<ReconcileRun> {
  const store = command.redis === undefined ? undefined : await redisStore(command.redis.url, command.redis.prefix);
  const errors: string[] = [];
  try {
    const receiver = createReceiver(reconcileReceiverOptions(command, store));
    receiver.onError((error) => void (errors.length < 100 && errors.push(error.message)));
    if (onProgress !== undefined) receiver.on('reconcile', onProgress);
    const stop = () => void receiver.close();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const result = await receiver.reconcile(command.provider === undefined ? {} : { provider: command.provider });
      return { result, errors, store: store === undefined ? 'memory' : 'redis' };
    } finally {
      signal?.removeEventListener('abort', stop);
      await receiver.close();
    }
  } finally {
    await store?.close();
  }
}
