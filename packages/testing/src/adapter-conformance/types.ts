import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';

/** A real, listening server with the adapter mounted. */
export interface AdapterServer {
  /** Absolute URL of the webhook endpoint, e.g. `http://127.0.0.1:4711/webhooks`. */
  url: string;
  /** The receiver the adapter uses (the one it created from the options: `middleware.receiver`). */
  receiver: Receiver;
  /** The adapter's own advice in its 500 body_consumed answer (`WebhookRequest.bodyConsumedHint`), if it gives one. */
  bodyConsumedHint?: string;
  close(): Promise<void>;
}

export interface AdapterSetup {
  /**
   * Mount the framework's usual JSON body parser before the webhook middleware, the way an
   * application would by mistake (express.json(), @koa/bodyparser, an app-level Fastify parser).
   */
  bodyParser: boolean;
}

/** Starts a server with the adapter created from `receiverOptions` (the options form, not a receiver). */
export type AdapterFactory = (receiverOptions: ReceiverOptions, setup: AdapterSetup) => Promise<AdapterServer>;

/** The test runner's `describe` and `it` (vitest, jest, mocha and node:test all fit). */
export interface TestApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
}

/** What a JSON request that a body parser mounted first consumed gets on this adapter. */
export type ParserFirstOutcome =
  /** The parser ate the stream and kept no exact bytes: 500 body_consumed (Express with express.json()). */
  | 'body_consumed'
  /** The adapter still gets the exact bytes (Koa with @koa/bodyparser's rawBody; Fastify's encapsulated parsers): 200. */
  | 'raw_body_available';

export interface AdapterConformanceOptions extends TestApi {
  /** Default 'body_consumed'. */
  parserFirst?: ParserFirstOutcome;
}
