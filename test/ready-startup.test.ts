// A start-up reconcile that cannot complete is never silent: ready() resolves (the receiver keeps taking
// webhooks) with complete: false, and the receiver has warned loudly through its logger and sent a
// StartupError to onError, whether or not anyone awaits ready(). The provider's REST API is a real loopback
// server that answers 500 (a fake Ably), or a port nothing listens on.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createReceiver, StartupError } from '@presence-webhooks/core';
import { describe, expect, it } from 'vitest';

const KEY = 'readyApp.readyKey:readySecretForTheTests1234';

async function failingAbly(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Internal error', code: 50000, statusCode: 500 } }));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('ready() after a start-up reconcile that failed', () => {
  it('resolves with complete: false, and the receiver warned loudly and told onError (a StartupError)', async () => {
    const ably = await failingAbly();
    const warnings: string[] = [];
    const errors: Error[] = [];
    const receiver = createReceiver({
      ably: { keys: [KEY], rest: { baseUrl: ably.url } },
      resync: { onStart: true, maxRequestsPerSecond: 1000 },
      logger: { warn: (message) => void warnings.push(message) },
      onError: (error) => void errors.push(error),
    });
    try {
      const result = await receiver.ready();
      expect(result?.complete).toBe(false);
      const warning = warnings.find((w) => w.includes('start-up reconcile'));
      expect(warning).toMatch(/did not complete|failed/);
      expect(warning).toMatch(/receiver\.reconcile\(\)/); // says what to do
      expect(warning).not.toContain(KEY.split(':')[1] as string); // never the secret
      const startup = errors.find((e) => e instanceof StartupError) as StartupError | undefined;
      expect(startup?.code).toBe('resync_failed');
      expect(startup?.result?.complete).toBe(false);
    } finally {
      await receiver.close();
      await ably.close();
    }
  });

  it('warns even when nobody awaits ready(); a start-up that completes warns nothing', async () => {
    const warnings: string[] = [];
    const receiver = createReceiver({
      ably: { keys: [KEY], rest: { baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 } }, // nothing listens on port 9
      resync: { onStart: true },
      logger: { warn: (message) => void warnings.push(message) },
      onError: () => undefined,
    });
    try {
      for (let i = 0; i < 200 && !warnings.some((w) => w.includes('start-up reconcile')); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warnings.some((w) => w.includes('start-up reconcile'))).toBe(true);
    } finally {
      await receiver.close();
    }
    const quiet: string[] = [];
    const none = createReceiver({ ably: { keys: [KEY] }, logger: { warn: (m) => void quiet.push(m) } });
    expect(await none.ready()).toBeUndefined();
    expect(quiet.filter((w) => w.includes('start-up'))).toEqual([]);
    await none.close();
  });
});
