import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file of the console, held in memory. */
export interface ConsoleAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator: the content's SHA-256, quoted. */
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where `npm run build` (`scripts/build-console.ts`) writes the console: `dist/console/` at the package root. This
 * module runs from `src/console/` (through tsx) or from `dist/src/console/` (the built package); the first of the
 * two candidates that holds an `index.html` is the one.
 */
export function consoleAssetDirectory(): string | undefined {
  const candidates = [new URL('../../dist/console/', import.meta.url), new URL('../../console/', import.meta.url)];
  const found = candidates.find((directory) => existsSync(new URL('index.html', directory)));
  return found === undefined ? undefined : fileURLToPath(found);
}

/**
 * Reads every built asset of the console once, keyed by its file name (`index.html`, `app.js`, …). The set is fixed
 * at start-up: only these names are served, so no request path ever reaches the file system.
 *
 * @returns `undefined` when the console has not been built
 */
export function loadConsoleAssets(directory = consoleAssetDirectory()): ReadonlyMap<string, ConsoleAsset> | undefined {
  if (directory === undefined) return undefined;
  const assets = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(directory)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(`${directory}/${name}`);
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` });
  }
  return assets;
}
