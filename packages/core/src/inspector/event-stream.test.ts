import { describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.js';

describe('EventStream', () => {
  it('yields queued events in order and ends when closed', async () => {
    let closed = 0;
    const stream = new EventStream(() => closed++);
    stream.send('join', { a: 1 });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    stream.send('leave', { a: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    stream.close();
    await reading;
    expect(seen).toEqual(['retry: 2000\n\n', 'event: join\ndata: {"a":1}\n\n', 'event: leave\ndata: {"a":2}\n\n']);
    expect(closed).toBe(1);
  });

  it('drops a client that falls too far behind', () => {
    let closed = 0;
    const stream = new EventStream(() => closed++, 100);
    for (let i = 0; i < 10; i++) stream.send('join', { padding: 'x'.repeat(20) });
    expect(closed).toBe(1);
  });
});
