/**
 * Headless Chromium for the console's browser tests: Debian's `/usr/bin/chromium` (installed by `.ci/run`), driven
 * by playwright-core, which never downloads a browser of its own.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Where the browser is: `CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

/** Whether the browser tests can run here; in CI they must, so there a missing browser fails them instead. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH) || process.env['CI'] === 'true';

/** Screenshots and other test output (gitignored). */
export const TEST_OUTPUT = fileURLToPath(new URL('../../../test-output/', import.meta.url));

/** The flags this machine's closed network needs: no background connections, no first-run work. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

/** Starts the browser, with a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
}

/** A directory under the test output, created. */
export function outputDirectory(name: string): string {
  const directory = `${TEST_OUTPUT}${name}/`;
  mkdirSync(directory, { recursive: true });
  return directory;
}
