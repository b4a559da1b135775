// The import rules of docs/architecture.md, enforced: every relative import of core's sources must
// stay inside the table's row for its unit (a folder, or a file at src/'s top). And the providers are
// listed once: providers/index.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDER_NAMES } from '../packages/core/src/providers/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'packages/core/src');

function rules(): Map<string, Set<string> | '*'> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('<!-- import-rules:start -->'), doc.indexOf('<!-- import-rules:end -->'));
  const map = new Map<string, Set<string> | '*'>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || cells[1] === 'unit' || (cells[1] ?? '').startsWith('---')) continue;
    const allowed = cells[2] ?? '';
    map.set(
      cells[1] as string,
      allowed === '*'
        ? '*'
        : new Set(
            allowed
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
          ),
    );
  }
  return map;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** A source file's unit: its top folder under src/, or the file name itself at the top. */
function unitOf(path: string): string {
  const parts = relative(src, path).split(sep);
  return parts.length === 1 ? (parts[0] as string) : (parts[0] as string);
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) found.push(match[1] as string);
  return found;
}

describe('core import rules (docs/architecture.md)', () => {
  const table = rules();

  it('names every unit of core', () => {
    const units = new Set(files(src).map(unitOf));
    const missing = [...units].filter((u) => !table.has(u));
    expect(missing, 'add a row for these units to docs/architecture.md').toEqual([]);
  });

  it('has no import outside its row', () => {
    const violations: string[] = [];
    for (const file of files(src)) {
      const unit = unitOf(file);
      const allowed = table.get(unit);
      if (allowed === undefined || allowed === '*') continue;
      for (const specifier of importsOf(file)) {
        const target = unitOf(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (target !== unit && !allowed.has(target)) violations.push(`${relative(src, file)} imports ${specifier} (${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no cycle between units (the table rows, and what a "*" row really imports)', () => {
    const edges = new Map<string, Set<string>>();
    for (const [unit, allowed] of table) if (allowed !== '*') edges.set(unit, new Set(allowed));
    for (const file of files(src)) {
      const unit = unitOf(file);
      if (table.get(unit) !== '*') continue;
      const targets = edges.get(unit) ?? new Set<string>();
      for (const specifier of importsOf(file)) {
        const target = unitOf(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (target !== unit) targets.add(target);
      }
      edges.set(unit, targets);
    }
    expect(findCycle(edges), 'the import table must have no cycle').toEqual([]);
  });
});

/** A source file's code: without comments and without its import / export-from lines (a folder's path is not a use). */
function codeOf(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
    .replace(/^\s*(?:import|export)\s[^;]*?from\s+'[^']+';/gm, '');
}

/** The providers whose name a piece of code spells out (as a string, a key, a property). */
function providersNamed(code: string): string[] {
  return PROVIDER_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
}

/** member.ts is a leaf: it cannot import the list, so ProviderName spells it out (providers/index.ts refuses a mismatch in the type check). */
const PROVIDER_NAME_TYPE = /^export type ProviderName = [^;]*;$/m;

describe('the providers are listed once (providers/index.ts): adding one is a folder and one line', () => {
  it('no other file of core names two providers in its code (a list, a record of them, a chain of ifs, a message)', () => {
    const lists: string[] = [];
    for (const file of files(src)) {
      const where = relative(src, file).split(sep).join('/');
      if (where === 'providers/index.ts') continue;
      const code = codeOf(file).replace(where === 'member.ts' ? PROVIDER_NAME_TYPE : /$^/, '');
      const named = providersNamed(code);
      if (named.length > 1) lists.push(`${where}: ${named.join(', ')}`);
    }
    expect(lists, 'read the names from providers/index.ts (PROVIDERS, PROVIDER_NAMES, providerDefinition)').toEqual([]);
  });

  it('ProviderName (member.ts) names the registered providers, in their order', () => {
    const type = readFileSync(join(src, 'member.ts'), 'utf8').match(PROVIDER_NAME_TYPE)?.[0] ?? '';
    expect([...type.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual([...PROVIDER_NAMES]);
  });
});

/** One cycle of the graph as [a, b, …, a], or [] when there is none (depth-first, three colours). */
function findCycle(edges: Map<string, Set<string>>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (unit: string): string[] => {
    if (state.get(unit) === 'done') return [];
    if (state.get(unit) === 'open') return [...path.slice(path.indexOf(unit)), unit];
    state.set(unit, 'open');
    path.push(unit);
    for (const next of edges.get(unit) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(unit, 'done');
    return [];
  };
  for (const unit of edges.keys()) {
    const cycle = visit(unit);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

describe("core's files stay small (issue 21: no file of core over 250 lines)", () => {
  it('every source file of packages/core/src (tests apart) has at most 250 lines', () => {
    const long = files(src)
      .map((path) => ({ file: relative(src, path), lines: readFileSync(path, 'utf8').trimEnd().split('\n').length }))
      .filter(({ lines }) => lines > 250);
    expect(long).toEqual([]);
  });
});
