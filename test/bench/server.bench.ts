/**
 * `npm run bench:server`: the real server process on each store — memory, SQLite with `--sync full` and SQLite with
 * `--sync normal` (each on a fresh temporary data directory, removed afterwards) — driven over WebSocket and REST from
 * a separate client process (`server-driver.ts`). The three configurations run interleaved, `ROUNDS` times, so that
 * the machine's drift falls on all of them alike; every figure is the median over the rounds, and a ratio is the
 * median of the per-round ratios. Prints a table and, as its last line, one JSON object. Every phase is bounded in
 * count and time (see the driver); each server is stopped however the run ends. Where PostgreSQL is installed, a
 * fourth configuration serves from a throwaway local cluster (fsync on, a fresh database each round) and the run
 * prints its WebSocket rate next to SQLite's `--sync full`; elsewhere it says so and leaves it out. Each round also
 * runs the WebSocket load in this process on a Router (`in-process-lifecycles.ts`), the base of `wsToInProcessRatio`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../e2e/support/server-process.ts';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { drive, median, UNLIMITED_RATE } from './drive.ts';
import { inProcessLifecyclesPerSec } from './in-process-lifecycles.ts';
import type { DriverFigures, DriverPhase } from './server-driver.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

type ConfigName = 'memory' | 'sqliteFull' | 'sqliteNormal' | 'postgres';

const postgresSkipped = postgresUnavailableReason();
if (postgresSkipped) process.stderr.write(`leaving out postgres: ${postgresSkipped}\n`);
const cluster = postgresSkipped ? undefined : await startPostgres({ durable: true });

/** How each configuration is served, and which phases run on it (REST only on memory, latency on memory and full). */
const CONFIGS: ReadonlyArray<{ name: ConfigName; store: (dataDir: string) => string[] | Promise<string[]>; phases: DriverPhase[] }> = [
  { name: 'memory', store: () => ['--store', 'memory'], phases: ['ws', 'latency', 'rest'] },
  { name: 'sqliteFull', store: (dir) => ['--store', 'sqlite', '--data-dir', dir, '--sync', 'full'], phases: ['ws', 'latency'] },
  { name: 'sqliteNormal', store: (dir) => ['--store', 'sqlite', '--data-dir', dir, '--sync', 'normal'], phases: ['ws'] },
  ...(cluster ? [{ name: 'postgres' as const, store: async () => ['--store', await cluster.createDatabase()], phases: ['ws' as const] }] : []),
];

/** One server on a fresh data directory, driven once; the directory is removed afterwards. */
async function measure(config: (typeof CONFIGS)[number]): Promise<DriverFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  try {
    const server = await startServerProcess(['--rate-limit', UNLIMITED_RATE, ...(await config.store(dataDir))]);
    try {
      return await drive(server.url, config.phases);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const perSec = (count: number | undefined, seconds: number | undefined) => (count ?? NaN) / (seconds ?? NaN);

const runs: Record<ConfigName, DriverFigures[]> = { memory: [], sqliteFull: [], sqliteNormal: [], postgres: [] };
/** The WebSocket load run in this process on a memory-store Router, once per round beside the servers. */
const inProcess: number[] = [];
try {
  for (let r = 1; r <= ROUNDS; r++) {
    process.stderr.write(`round ${r}/${ROUNDS}: in process\n`);
    inProcess.push(await inProcessLifecyclesPerSec());
    for (const config of CONFIGS) {
      process.stderr.write(`round ${r}/${ROUNDS}: ${config.name}\n`);
      runs[config.name].push(await measure(config));
    }
  }
} finally {
  cluster?.stop();
}

const ws = (name: ConfigName) => runs[name].map((figures) => perSec(figures.wsLifecycles, figures.wsSeconds));
const medianOf = (name: ConfigName, pick: (figures: DriverFigures) => number | undefined) =>
  median(runs[name].map((figures) => pick(figures) ?? NaN));
const ratioTo = (name: ConfigName, base: ConfigName = 'memory') => median(ws(name).map((value, r) => value / ws(base)[r]!));

const result = {
  memory: {
    wsLifecyclesPerSec: Math.round(median(ws('memory'))),
    p50OfferPushMs: round(medianOf('memory', (f) => f.p50OfferPushMs), 3),
    p99OfferPushMs: round(medianOf('memory', (f) => f.p99OfferPushMs), 3),
    restLifecyclesPerSec: Math.round(median(runs.memory.map((f) => perSec(f.restLifecycles, f.restSeconds)))),
    inProcessLifecyclesPerSec: Math.round(median(inProcess)),
  },
  wsToInProcessRatio: round(median(ws('memory').map((value, r) => value / inProcess[r]!)), 3),
  sqliteFull: {
    wsLifecyclesPerSec: Math.round(median(ws('sqliteFull'))),
    p50OfferPushMs: round(medianOf('sqliteFull', (f) => f.p50OfferPushMs), 3),
    p99OfferPushMs: round(medianOf('sqliteFull', (f) => f.p99OfferPushMs), 3),
  },
  sqliteNormal: { wsLifecyclesPerSec: Math.round(median(ws('sqliteNormal'))) },
  sqliteFullRatio: round(ratioTo('sqliteFull'), 3),
  sqliteNormalRatio: round(ratioTo('sqliteNormal'), 3),
  p99OfferPushMsSqliteFull: round(medianOf('sqliteFull', (f) => f.p99OfferPushMs), 3),
  ...(cluster && {
    postgres: { wsLifecyclesPerSec: Math.round(median(ws('postgres'))) },
    postgresToSqliteFullRatio: round(ratioTo('postgres', 'sqliteFull'), 3),
  }),
};

const each = (values: readonly number[], digits = 0) => values.map((value) => value.toFixed(digits)).join(' / ');
const rows: Array<[string, string, string]> = [
  ['memory wsLifecyclesPerSec', String(result.memory.wsLifecyclesPerSec), `rounds ${each(ws('memory'))}`],
  ['sqliteFull wsLifecyclesPerSec', String(result.sqliteFull.wsLifecyclesPerSec), `rounds ${each(ws('sqliteFull'))}`],
  ['sqliteNormal wsLifecyclesPerSec', String(result.sqliteNormal.wsLifecyclesPerSec), `rounds ${each(ws('sqliteNormal'))}`],
  ['memory inProcessLifecyclesPerSec', String(result.memory.inProcessLifecyclesPerSec), `rounds ${each(inProcess)}: the same load on a Router, no network`],
  ['wsToInProcessRatio', String(result.wsToInProcessRatio), 'median of per-round memory WebSocket / in process'],
  ['sqliteFullRatio', String(result.sqliteFullRatio), 'median of per-round sqliteFull / memory'],
  ['sqliteNormalRatio', String(result.sqliteNormalRatio), 'median of per-round sqliteNormal / memory'],
  ['memory p50 / p99 OfferPushMs', `${result.memory.p50OfferPushMs} / ${result.memory.p99OfferPushMs}`, `p99 rounds ${each(runs.memory.map((f) => f.p99OfferPushMs ?? NaN), 3)}`],
  ['sqliteFull p50 / p99 OfferPushMs', `${result.sqliteFull.p50OfferPushMs} / ${result.sqliteFull.p99OfferPushMs}`, `p99 rounds ${each(runs.sqliteFull.map((f) => f.p99OfferPushMs ?? NaN), 3)}`],
  ['memory restLifecyclesPerSec', String(result.memory.restLifecyclesPerSec), `32 concurrent fetch loops`],
];
if (result.postgres)
  rows.push(
    ['postgres wsLifecyclesPerSec', String(result.postgres.wsLifecyclesPerSec), `rounds ${each(ws('postgres'))}`],
    ['postgresToSqliteFullRatio', String(result.postgresToSqliteFullRatio), 'median of per-round postgres / sqliteFull'],
  );
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length), 6));
for (const row of [['figure', 'value', 'basis'] as [string, string, string], ...rows])
  console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
console.log(JSON.stringify(result));
