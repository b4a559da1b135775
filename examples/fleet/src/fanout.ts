/**
 * A tiny websocket fan-out: every change this instance emits goes, as one JSON line, to every websocket
 * client connected to it. With `emit: 'everywhere'` each instance of the fleet emits every change, so a
 * client hears "alice is online" whichever instance it is connected to and whichever got the webhook.
 */
import type { Server } from 'node:http';
import type { PresenceEventName, Receiver } from '@presence-webhooks/core';
import { WebSocket, WebSocketServer } from 'ws';

/** What the clients hear. */
export const FANOUT_EVENTS = [
  'join',
  'leave',
  'user.join',
  'user.leave',
  'user.online',
  'user.offline',
] as const satisfies readonly PresenceEventName[];

/** A client further behind than this (bytes queued) is dropped: memory stays bounded. */
const MAX_BUFFERED = 1024 * 1024;

export interface FanoutMessage {
  instance: string;
  name: (typeof FANOUT_EVENTS)[number];
  event: Record<string, unknown>;
}

/** Serve websockets on `path` of `server`; returns a function that closes them. */
export function fanOut(receiver: Receiver, server: Server, instance: string, path = '/live'): () => Promise<void> {
  const wss = new WebSocketServer({ server, path, maxPayload: 1024 });
  const unsubscribe = FANOUT_EVENTS.map((name) =>
    receiver.on(name, (event) => {
      const line = JSON.stringify({ instance, name, event });
      for (const client of wss.clients) {
        if (client.readyState !== WebSocket.OPEN) continue;
        if (client.bufferedAmount > MAX_BUFFERED) client.terminate();
        else client.send(line);
      }
    }),
  );
  return () =>
    new Promise((resolve) => {
      for (const off of unsubscribe) off();
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    });
}
