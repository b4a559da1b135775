/**
 * The packages as a user gets them: every package under packages/* (discovered, so new ones are
 * covered) is packed with `pnpm pack` (which rewrites `workspace:*`), checked with publint and
 * @arethetypeswrong/cli over the tarball, then installed with **npm** into a fresh temporary app
 * (the local tarballs, third-party dependencies from the registry or npm's cache), compiled with
 * TypeScript (`module`/`moduleResolution` `nodenext`) and run against a signed Ably delivery.
 *
 * attw runs with `--profile esm-only`: the packages are ESM-only on purpose (`require(esm)` works
 * from Node 20.19), so the CommonJS resolutions (node10, node16-from-CJS) are not errors.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmInstall, runCommand } from './helpers/run-command.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
const REPOSITORY = 'https://github.com/presence-webhooks/presence-webhooks';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  publishConfig?: { access?: string; provenance?: boolean };
}

interface Pkg {
  dir: string;
  manifest: Manifest;
  tarball: string;
}

/** Every publishable package under packages/*. */
function discover(): Omit<Pkg, 'tarball'>[] {
  const base = join(root, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => ({ dir: join(base, d.name), manifest: JSON.parse(readFileSync(join(base, d.name, 'package.json'), 'utf8')) as Manifest }))
    .filter((p) => p.manifest.private !== true);
}

const found = discover();
const work = mkdtempSync(join(tmpdir(), 'pw-package-check-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
const pkgs: Pkg[] = [];

const run = runCommand;

beforeAll(async () => {
  await run(process.execPath, [tsc, '-b', ...found.map((p) => p.dir)], root, 180_000);
  const pnpm = process.env.npm_execpath?.includes('pnpm') === true ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
  const packed = await Promise.all(
    found.map(async (p) => {
      const out = await run(pnpm[0] as string, [...pnpm.slice(1), 'pack', '--pack-destination', packs], p.dir);
      const tarball = out
        .trim()
        .split('\n')
        .reverse()
        .find((line) => line.trim().endsWith('.tgz'));
      if (tarball === undefined) throw new Error(`pnpm pack in ${p.dir} printed no tarball: ${out}`);
      return { ...p, tarball: tarball.trim().startsWith('/') ? tarball.trim() : join(packs, tarball.trim()) };
    }),
  );
  pkgs.push(...packed);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('package checks', () => {
  it('finds the packages', () => {
    expect(found.map((p) => p.manifest.name)).toContain('@presence-webhooks/core');
    expect(found.map((p) => p.manifest.name)).toContain('@presence-webhooks/testing');
  });

  it.each(found.map((p) => [p.manifest.name, p] as const))('%s: metadata, LICENSE and README are ready to publish', (_, p) => {
    const m = p.manifest;
    const dir = p.dir.slice(root.length).replace(/\/$/, '');
    expect(m.license).toBe('MIT');
    expect(m.type).toBe('module');
    expect(m.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git`, directory: dir });
    expect(m.homepage).toBe(`${REPOSITORY}/tree/main/${dir}#readme`);
    expect(m.bugs?.url).toBe(`${REPOSITORY}/issues`);
    expect(m.keywords?.length ?? 0).toBeGreaterThan(0);
    expect(m.publishConfig).toEqual({ access: 'public', provenance: true });
    for (const peer of Object.keys(m.peerDependencies ?? {}).filter((name) => name.startsWith('@types/'))) {
      expect(m.peerDependenciesMeta?.[peer]?.optional, `${peer} must be an optional peer`).toBe(true);
    }
    expect(readFileSync(join(p.dir, 'LICENSE'), 'utf8'), `${dir}/LICENSE must be a copy of the root LICENSE`).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    );
    expect(readFileSync(join(p.dir, 'CHANGELOG.md'), 'utf8'), `${dir}/CHANGELOG.md`).toMatch(
      new RegExp(`^# ${m.name.replace('/', '\\/')}\n`),
    );
    const readme = readFileSync(join(p.dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Install$/m);
    expect(
      readme.split('\n').some((line) => line.startsWith('npm i ') && line.split(' ').includes(m.name)),
      'an `npm i` line installing the package',
    ).toBe(true);
    expect(readme).toMatch(/ESM-only/);
    // Relative links break on npmjs.com and in the tarball: link to the repository instead.
    const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((match) => match[1]);
    expect(relative, 'relative links in the README').toEqual([]);
  });

  it('pnpm pack rewrote workspace:* to the version', async () => {
    for (const p of pkgs) {
      const text = await run('tar', ['-xOzf', p.tarball, 'package/package.json'], work);
      expect(text, p.manifest.name).not.toContain('workspace:');
    }
  });

  it.each(found.map((p) => [p.manifest.name] as const))('%s: publint finds nothing', async (name) => {
    const p = pkgs.find((x) => x.manifest.name === name) as Pkg;
    const bytes = readFileSync(p.tarball);
    const result = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer },
      level: 'suggestion',
      strict: true,
    });
    expect(result.messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, result.pkg) ?? ''}`)).toEqual([]);
  });

  it.each(found.map((p) => [p.manifest.name] as const))('%s: arethetypeswrong (esm-only profile) finds nothing', async (name) => {
    const p = pkgs.find((x) => x.manifest.name === name) as Pkg;
    await run(process.execPath, [attw, p.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], work);
  });

  it('installs the tarballs with npm into a fresh app, compiles against them (nodenext) and handles a signed delivery', async () => {
    const names = pkgs.map((p) => p.manifest.name);
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pw-smoke-app', private: true, type: 'module' }, null, 2));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: false,
            outDir: 'out',
            types: ['node'],
            skipLibCheck: false,
          },
          files: ['smoke.ts'],
        },
        null,
        2,
      ),
    );
    // Every entry point of every package (new packages are covered without editing this test), then the flow.
    const entries = pkgs.flatMap((p) =>
      Object.keys(p.manifest.exports ?? { '.': '' })
        .filter((k) => !k.includes('*') && k !== './package.json')
        .map((k) => (k === '.' ? p.manifest.name : `${p.manifest.name}/${k.slice(2)}`)),
    );
    const smoke = [
      ...entries.map((entry, i) => `import * as entry${i} from '${entry}';`),
      `import { createReceiver } from '@presence-webhooks/core';`,
      `import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';`,
      ``,
      `const loaded: Record<string, number> = { ${entries.map((entry, i) => `'${entry}': Object.keys(entry${i}).length`).join(', ')} };`,
      `const key = 'smokeApp.smokeKey:smoke-secret';`,
      `const receiver = createReceiver({ ably: { keys: [key] } });`,
      `// @ts-expect-error the types are real: keys must be strings`,
      `void (() => createReceiver({ ably: { keys: [42] } }));`,
      `const joined: string[] = [];`,
      `receiver.on('join', (e) => {\n  joined.push(\`\${e.member.clientId}@\${e.member.connectionId ?? ''}\`);\n});`,
      `const now = Date.now();`,
      `const request = ablyBatchRequest([ablyPresenceItem('room-1', [{ id: 'conn-1:0:0', clientId: 'alice', connectionId: 'conn-1', action: ABLY_ACTION.enter, timestamp: now }])], { key });`,
      `const answer = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' });`,
      `await receiver.idle();`,
      `const members = await receiver.store.members('room-1');`,
      `const forged = ablyBatchRequest([ablyPresenceItem('room-1', [])], { key: 'smokeApp.smokeKey:wrong-secret' });`,
      `const refused = await receiver.handle({ method: 'POST', headers: forged.headers, body: forged.body, url: '/' });`,
      `await receiver.close();`,
      `console.log(JSON.stringify({ status: answer.status, refused: refused.status, members: members.map((m) => m.clientId), joined, loaded }));`,
      ``,
    ].join('\n');
    writeFileSync(join(app, 'smoke.ts'), smoke);
    await npmInstall(app, [...pkgs.map((p) => p.tarball), '@types/node@^20', '@types/express@^5', 'express@^5'], 110_000);
    for (const name of names) expect(existsSync(join(app, 'node_modules', name, 'package.json')), name).toBe(true);
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    // The first line is the result (stdout); the refusal of the forged delivery is logged after it, on stderr.
    const out = JSON.parse((await run(process.execPath, ['out/smoke.js'], app)).split('\n')[0] as string) as {
      status: number;
      refused: number;
      members: string[];
      joined: string[];
      loaded: Record<string, number>;
    };
    expect(out.status).toBe(200);
    expect(out.refused).toBe(401);
    expect(out.members).toEqual(['alice']);
    expect(out.joined).toEqual(['alice@conn-1']);
    for (const entry of entries) expect(out.loaded[entry], entry).toBeGreaterThan(0);
  }, 150_000);
});
