/**
 * One instance of the fleet: Express with the webhook on /webhooks, a websocket fan-out on /live and the
 * room list on /rooms/:room, the presence set in the store the fleet shares.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createReceiver } from '@presence-webhooks/core';
import type { PresenceStore, Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';
import { fanOut } from './fanout.js';
import { roomList } from './room.js';

export interface InstanceOptions {
  /** A name for the logs and the websocket messages. */
  name: string;
  /** The store the fleet shares (RedisStore in production). */
  store: PresenceStore;
  /** The Ably key that signs the webhooks. */
  ablyKey: string;
  /** 0: any free port. */
  port?: number;
  /** Where problems go (default stderr). */
  onError?: (error: Error) => void;
}

export interface FleetInstance {
  name: string;
  receiver: Receiver;
  /** The webhook URL (`http://127.0.0.1:<port>/webhooks`). */
  url: string;
  /** The websocket URL (`ws://127.0.0.1:<port>/live`). */
  wsUrl: string;
  /** Stop serving and close the receiver (the shared store stays open). */
  close(): Promise<void>;
}

export async function startInstance(options: InstanceOptions): Promise<FleetInstance> {
  const { name, store } = options;
  // 'everywhere': this instance emits every change of the fleet once, for its own websocket clients.
  const receiver = createReceiver({ ably: { keys: [options.ablyKey] }, store, emit: 'everywhere' });
  receiver.onError(options.onError ?? ((error) => process.stderr.write(`[${name}] ${error.message}\n`)));

  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  app.get('/rooms/:room', async (req, res) => {
    if (store.users === undefined) {
      res.status(501).json({ error: 'this store keeps no user levels (RedisStore: once it has them)' });
      return;
    }
    const roster = typeof req.query.roster === 'string' ? req.query.roster.split(',').filter(Boolean) : [];
    res.json({ room: req.params.room, people: await roomList(receiver, req.params.room, roster) });
  });

  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const closeSockets = fanOut(receiver, server, name);
  const { port } = server.address() as AddressInfo;
  return {
    name,
    receiver,
    url: `http://127.0.0.1:${port}/webhooks`,
    wsUrl: `ws://127.0.0.1:${port}/live`,
    async close() {
      await closeSockets();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await receiver.close();
    },
  };
}
