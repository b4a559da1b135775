/** A websocket client of the fan-out: collects what it hears (the run script and the test use it). */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { FanoutMessage } from './fanout.js';

export interface Listener {
  messages: FanoutMessage[];
  /** Resolves once `count` messages arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<FanoutMessage[]>;
  close(): void;
}

export async function listen(wsUrl: string): Promise<Listener> {
  const socket = new WebSocket(wsUrl);
  const messages: FanoutMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as FanoutMessage);
    for (const wake of waiters) wake();
  });
  await once(socket, 'open');
  return {
    messages,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${wsUrl}: ${messages.length} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}
