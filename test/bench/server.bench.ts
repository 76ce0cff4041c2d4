/**
 * `npm run bench:server`: starts the server process, drives it over WebSocket and REST from a separate client
 * process (`server-driver.ts`), and prints a table and, as its last line, one JSON object:
 * `{wsLifecyclesPerSec, p50OfferPushMs, p99OfferPushMs, restLifecyclesPerSec}`. Every phase is bounded in count and
 * time (see the driver); the server is stopped however the run ends.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../e2e/support/server-process.ts';
import type { DriverFigures } from './server-driver.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** REST's per-client rate limit would otherwise measure itself: 1000 per 10 s by default. */
const UNLIMITED_RATE = '1000000000';

/** Runs the driver process against the server and returns its last stdout line, parsed. */
function drive(httpUrl: string): Promise<DriverFigures> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/server-driver.ts', httpUrl], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined) reject(new Error(`the driver exited with ${code}\n${stdout}`));
      else resolve(JSON.parse(last) as DriverFigures);
    }),
  );
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

const server = await startServerProcess(['--rate-limit', UNLIMITED_RATE]);
let figures: DriverFigures;
try {
  figures = await drive(server.url);
} finally {
  await server.stop();
}

const result = {
  wsLifecyclesPerSec: Math.round(figures.wsLifecycles / figures.wsSeconds),
  p50OfferPushMs: round(figures.p50OfferPushMs, 3),
  p99OfferPushMs: round(figures.p99OfferPushMs, 3),
  restLifecyclesPerSec: Math.round(figures.restLifecycles / figures.restSeconds),
};
const rows: Array<[string, string, string]> = [
  ['wsLifecyclesPerSec', String(result.wsLifecyclesPerSec), `${figures.wsLifecycles} lifecycles in ${figures.wsSeconds.toFixed(2)} s`],
  ['p50OfferPushMs', String(result.p50OfferPushMs), `${figures.offerPushSamples} samples`],
  ['p99OfferPushMs', String(result.p99OfferPushMs), `${figures.offerPushSamples} samples`],
  ['restLifecyclesPerSec', String(result.restLifecyclesPerSec), `${figures.restLifecycles} lifecycles in ${figures.restSeconds.toFixed(2)} s`],
];
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length), 6));
for (const row of [['figure', 'value', 'basis'] as [string, string, string], ...rows])
  console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
console.log(JSON.stringify(result));
