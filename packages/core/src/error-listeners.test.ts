import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReceiver } from './receiver.js';
import { ItemProblem, StoreError } from './errors.js';
import { ErrorListeners } from './error-listeners.js';

const KEY = 'logApp.logKey:logSecretForTheTests0123456';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('errors reported with no onError handler', () => {
  it('a delivery of 40 bad items writes one line, not forty', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args));
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    const now = Date.now() - 60_000;
    const messages = Array.from({ length: 40 }, (_, i) => ({
      id: `c${i}:0:0`,
      clientId: 'x'.repeat(1100), // a member key over 1024 characters: the item is not applied
      connectionId: `c${i}`,
      action: ABLY_ACTION.enter,
      timestamp: now,
    }));
    const request = ablyBatchRequest(
      messages.map((m, i) => ablyPresenceItem(`room-${i}`, [m])),
      { key: KEY },
    );
    const answer = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' });
    expect(answer.status).toBe(200);
    await receiver.close();
    expect(lines).toHaveLength(1);
    expect(String(lines[0]?.[1])).toMatch(/\[further invalid_item errors are not logged for 60 s; pass onError to see each\]$/);
  });

  it('one line per code a minute, then says how many were left out; handlers see every error', () => {
    vi.useFakeTimers({ now: Date.now() });
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    const errors = new ErrorListeners();
    for (let i = 0; i < 5; i++) errors.report(new ItemProblem('invalid_item', `bad item ${i}`));
    errors.report(new StoreError('the store failed', { attempt: 1, attempts: 1, cause: 'down' }));
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(60_000);
    errors.report(new ItemProblem('invalid_item', 'bad item 5'));
    expect(lines[2]).toMatch(/bad item 5 \(4 more invalid_item since the last line\)/);

    // A delivery given up after its retries is always logged, even right after its own "retrying" lines.
    errors.report(new StoreError('attempt 1 of 3, retrying', { attempt: 1, attempts: 3, cause: 'down' }));
    errors.report(new StoreError('attempt 3 of 3, giving up', { attempt: 3, attempts: 3, cause: 'down' }));
    expect(lines.at(-1)).toMatch(/attempt 3 of 3, giving up/);

    const seen: string[] = [];
    errors.add((error) => void seen.push(error.message));
    for (let i = 0; i < 3; i++) errors.report(new ItemProblem('invalid_item', `seen ${i}`));
    expect(seen).toEqual(['seen 0', 'seen 1', 'seen 2']);
    expect(lines).toHaveLength(5); // the minute of store_failed had passed too: "retrying" got a line
  });
});
