/**
 * Builds the web console into `dist/console/`: `src/console/ui/main.ts` bundled by esbuild (with elkjs's API) into
 * `app.js`, ELK's layout worker as `elk-worker.js`, and the page, styles and icon copied as they are. Run by
 * `npm run build`, so by `npm install`; everything comes from the package, nothing from a CDN.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UI = `${ROOT}src/console/ui/`;
/** The files copied as they are. */
const STATIC_FILES = ['index.html', 'app.css', 'favicon.svg'] as const;

/** Builds the console into `outDir` (default `dist/console/`), replacing what was there. */
export async function buildConsole(outDir = `${ROOT}dist/console`): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [`${UI}main.ts`],
    outfile: `${outDir}/app.js`,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
    tsconfig: `${UI}tsconfig.json`,
  });
  for (const file of STATIC_FILES) copyFileSync(`${UI}${file}`, `${outDir}/${file}`);
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('elkjs/lib/elk-worker.min.js'), `${outDir}/elk-worker.js`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await buildConsole();
