/**
 * The README's examples, run as a user of the package would run them: the package built as `npm install` builds
 * it, installed into a project outside this repository, each example saved as an `.mjs` file and run with plain
 * `node` (no TypeScript loader). The only change made to an example is the WebSocket address, pointed at a real
 * server on a random loopback port instead of `npm start`'s 8080.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_TIMEOUT_MS = 180_000;

function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const examples = new Map<string, string>();
  for (const [, name, code] of readme.matchAll(/<!-- example: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)) examples.set(name!, code!);
  return examples;
}

describe('README examples', () => {
  const examples = readmeExamples();
  let work: string;
  let app: string;
  let server: ServerProcess;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'switchboard-readme-'));
    // The package as installed: its package.json, its build, its dependencies.
    const pkg = join(work, 'switchboard');
    mkdirSync(pkg);
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    app = join(work, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(pkg, join(app, 'node_modules', 'switchboard'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
    [server] = await Promise.all([
      startServerProcess(),
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
        cwd: ROOT,
      }),
    ]);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function runExample(name: string, code = examples.get(name)): Promise<string> {
    if (code === undefined) throw new Error(`README has no example named ${name}`);
    const file = join(app, `${name}.mjs`);
    writeFileSync(file, code);
    const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 20_000 });
    return stdout;
  }

  it('has the examples this test runs, and no other', () => {
    expect([...examples.keys()].sort()).toEqual(['embedded-server', 'in-process', 'websocket']);
  });

  it('runs the in-process example', async () => {
    expect(await runExample('in-process')).toContain('ticket-1 is closed');
  });

  it('runs the WebSocket example against a real server', async () => {
    const code = examples.get('websocket')!;
    expect(code).toContain("'ws://127.0.0.1:8080/ws'");
    const stdout = await runExample('websocket', code.replace('ws://127.0.0.1:8080/ws', wsUrlOf(server.url)));
    expect(stdout).toContain('ticket-1 is closed');
    // The subscription printed the lifecycle as it happened, in order.
    const types = stdout.split('\n').map((line) => line.split(' ')[1]);
    expect(types.indexOf('RouterWorkerOfferIssued')).toBeLessThan(types.indexOf('RouterWorkerOfferAccepted'));
  });

  it('runs the embedded-server example', async () => {
    const stdout = await runExample('embedded-server');
    expect(stdout).toMatch(/REST at http:\/\/127\.0\.0\.1:\d+ and WebSocket at ws:\/\/127\.0\.0\.1:\d+\/ws/);
    expect(stdout).toContain('ready: 200');
  });
});
