import assert from 'node:assert/strict';
import type { ConformanceCase } from './cases.js';
import { deliveryCases, parserFirstCase } from './delivery-cases.js';
import type { Harness } from './fixture.js';
import { pubnubCases } from './pubnub-cases.js';
import { pusherCases } from './pusher-cases.js';
import { readCases } from './read-cases.js';
import { expectAccepted, withServer } from './fixture.js';
import { rejectionCases } from './rejection-cases.js';
import { enterRequest, suiteOptions } from './requests.js';
import type { AdapterConformanceOptions, AdapterFactory } from './types.js';

/** Every store starts with one member, so that "unchanged" means something (MsgPack: JSON body parsers leave it alone). */
async function seed(h: Harness): Promise<void> {
  await expectAccepted(h, enterRequest('seed-room', 'msgpack'));
  assert.equal((await h.server.receiver.store.members('seed-room')).length, 1, 'the seed delivery was applied');
}

/** The case list every adapter runs, in order. */
export function conformanceCases(options: Pick<AdapterConformanceOptions, 'parserFirst'> = {}): ConformanceCase[] {
  return [
    ...rejectionCases,
    parserFirstCase({ parserFirst: options.parserFirst ?? 'body_consumed' }),
    ...deliveryCases,
    ...pubnubCases,
    ...pusherCases,
    ...readCases,
  ];
}

/**
 * Register the adapter conformance suite with the given test runner: every row of DESIGN.md's
 * bad-input table, Ably deliveries in every wire form, PubNub legacy JSON, multipart and Events & Actions, limits, signatures, duplicates, 50
 * parallel deliveries and the read endpoint (off, on, with a token), each against a fresh server from `factory`. Every refusal must carry
 * exactly the status, error code, Allow header and JSON body that core answers for the same
 * request, and leave the store as it was; so every adapter that passes answers identically.
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * adapterConformance('koa 3', async (options, { bodyParser }) => { ...; return { url, receiver, close } }, { describe, it });
 * ```
 */
export function adapterConformance(name: string, factory: AdapterFactory, options: AdapterConformanceOptions): void {
  options.describe(`adapter conformance: ${name}`, () => {
    for (const c of conformanceCases(options)) {
      options.it(c.name, () =>
        withServer(factory, suiteOptions(c.options), { bodyParser: false, ...c.setup }, async (h) => {
          await seed(h);
          await c.run(h);
        }),
      );
    }
  });
}
