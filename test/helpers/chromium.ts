import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Chromium (apt-get install -y chromium); playwright-core drives it, no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags for a quiet headless run on a shared machine. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run. Under CI=true a missing Chromium is an error (the run fails);
 * elsewhere they skip, with one loud line per test run that says how to install it.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const hint = 'apt-get install -y chromium (or set CHROMIUM_PATH)';
  if (process.env.CI === 'true') throw new Error(`Chromium is not installed at ${CHROMIUM} and CI=true: ${hint}`);
  try {
    closeSync(openSync(join(tmpdir(), `presence-webhooks-chromium-skip-${process.ppid}`), 'wx'));
    console.warn(`\n!!! BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM}. Install it with: ${hint} !!!\n`);
  } catch {
    // another file already said it
  }
  return false;
}
