// The public API of core is what its README lists: every export of the three entry points is named
// there, and every name there is exported. Types are read from the entry files' `export type` lines.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from '@presence-webhooks/core';
import * as adapter from '@presence-webhooks/core/adapter';
import * as node from '@presence-webhooks/core/node';
import * as store from '@presence-webhooks/core/store';
import * as observe from '@presence-webhooks/core/observe';
import type { ReceiverOptions } from '@presence-webhooks/core';
import type { AblyOptions } from '../packages/core/src/providers/ably/options.js';
import type { PubNubOptions } from '../packages/core/src/providers/pubnub/options.js';
import type { PusherOptions } from '../packages/core/src/providers/pusher/options.js';
import { exportedTypes } from './helpers/exported-types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'packages/core/README.md'), 'utf8');
const section = readme.slice(readme.indexOf('<!-- public-api:start -->'), readme.indexOf('<!-- public-api:end -->'));

/** The README paragraph of one entry point, split into its value names and its type names. */
function listed(entry: string): { values: string[]; types: string[] } {
  const paragraph = section.split(/\n\s*\n/).find((p) => p.includes(`\`${entry}\``)) ?? '';
  const [valuesPart, typesPart = ''] = paragraph.slice(paragraph.indexOf(':') + 1).split(/\btypes\b/);
  const names = (text: string) => [...text.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1] as string).sort();
  return { values: names(valuesPart ?? ''), types: names(typesPart) };
}

describe('core public API = the README list', () => {
  for (const [entry, module, file] of [
    ['@presence-webhooks/core', core, 'index.ts'],
    ['@presence-webhooks/core/store', store, 'store/index.ts'],
    ['@presence-webhooks/core/adapter', adapter, 'adapter/index.ts'],
    ['@presence-webhooks/core/node', node, 'node/index.ts'],
    ['@presence-webhooks/core/observe', observe, 'observe/index.ts'],
  ] as const) {
    it(entry, () => {
      const { values, types } = listed(entry);
      expect(Object.keys(module).sort(), `${entry} values`).toEqual(values);
      expect(exportedTypes(join(root, 'packages/core/src', file)), `${entry} types`).toEqual(types);
    });
  }
});

describe("each provider's options: ReceiverOptions['<name>'] (from the providers' list, providers/index.ts)", () => {
  it('is the options type of its folder (checked by the type check of test/)', () => {
    expectTypeOf<ReceiverOptions['ably']>().toEqualTypeOf<AblyOptions | undefined>();
    expectTypeOf<ReceiverOptions['pubnub']>().toEqualTypeOf<PubNubOptions | undefined>();
    expectTypeOf<ReceiverOptions['pusher']>().toEqualTypeOf<PusherOptions | undefined>();
    expectTypeOf<NonNullable<ReceiverOptions['pusher']>['keys'][number]>().toEqualTypeOf<{ key: string; secret: string }>();
  });
});
