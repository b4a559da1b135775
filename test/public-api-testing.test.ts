// The public API of @presence-webhooks/testing is what its README lists: every export of each subpath
// (/builders, /simulator, /conformance) is named in that subpath's list and every name there is exported, no name
// is in two lists, and the main entry is the compatibility entry: exactly the union of the three.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as main from '@presence-webhooks/testing';
import * as builders from '@presence-webhooks/testing/builders';
import * as conformance from '@presence-webhooks/testing/conformance';
import * as simulator from '@presence-webhooks/testing/simulator';
import { exportedTypes } from './helpers/exported-types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'packages/testing/src');
const readme = readFileSync(join(root, 'packages/testing/README.md'), 'utf8');
const section = readme.slice(readme.indexOf('<!-- public-api:start -->'), readme.indexOf('<!-- public-api:end -->'));
const manifest = JSON.parse(readFileSync(join(root, 'packages/testing/package.json'), 'utf8')) as { exports: Record<string, unknown> };

const names = (text: string): string[] => [...text.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1] as string);

/** One subpath's README list (its `###` heading down to the next), split into value names and type names. */
function listed(entry: string): { values: string[]; types: string[] } {
  const start = section.indexOf(`### \`${entry}\``);
  if (start === -1) return { values: [], types: [] };
  const end = section.indexOf('\n### ', start + 1);
  const lines = section
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('- '));
  const values: string[] = [];
  const types: string[] = [];
  for (const line of lines) {
    const body = line.slice(line.indexOf(':') + 1);
    const at = body.indexOf('types:');
    values.push(...names(at === -1 ? body : body.slice(0, at)));
    if (at !== -1) types.push(...names(body.slice(at)));
  }
  return { values: values.sort(), types: types.sort() };
}

const subpaths = [
  ['builders', builders],
  ['simulator', simulator],
  ['conformance', conformance],
] as const;

describe('@presence-webhooks/testing public API = the README lists', () => {
  for (const [sub, module] of subpaths) {
    const entry = `@presence-webhooks/testing/${sub}`;
    it(entry, () => {
      const { values, types } = listed(entry);
      expect(Object.keys(module).sort(), `${entry} values`).toEqual(values);
      expect(exportedTypes(join(src, sub, 'index.ts')), `${entry} types`).toEqual(types);
      expect(manifest.exports[`./${sub}`], `${entry} in package.json exports`).toEqual({
        source: `./src/${sub}/index.ts`,
        types: `./dist/${sub}/index.d.ts`,
        default: `./dist/${sub}/index.js`,
      });
    });
  }

  it('no name is in two subpaths', () => {
    const all = subpaths.flatMap(([sub]) => {
      const { values, types } = listed(`@presence-webhooks/testing/${sub}`);
      return [...values, ...types];
    });
    expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([]);
  });

  it('@presence-webhooks/testing is the compatibility entry: the three subpaths, nothing else', () => {
    const union = subpaths.flatMap(([, module]) => Object.keys(module)).sort();
    expect(Object.keys(main).sort()).toEqual(union);
    const lines = readFileSync(join(src, 'index.ts'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('export'));
    expect(lines).toEqual(subpaths.map(([sub]) => `export * from './${sub}/index.js';`));
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', ...subpaths.map(([sub]) => `./${sub}`)].sort());
  });
});
