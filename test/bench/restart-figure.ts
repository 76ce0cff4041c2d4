/**
 * `restartSecondsAt1M`: how long a router takes to reopen its SQLite store holding 1,000,000 queued jobs and 100,000
 * workers — store opened, every document decoded, actors restored, the queue index and deadlines rebuilt — and the
 * heap it then holds per queued job.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Router } from '../../src/router.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { median, newId, setUpQueues } from './engine-fixtures.ts';

const run = promisify(execFile);
const QUEUES = 10;
/** Commands issued at once while building: they share commits (group commit), as concurrent clients' would. */
const CONCURRENT = 2000;
/** Restarts measured on the same data; the figure is their median, these machines being noisy. */
const RESTART_ROUNDS = 3;

export interface RestartFigures {
  /** Median over {@link RESTART_ROUNDS} restarts. */
  readonly restartSeconds: number;
  readonly restartSecondsEach: readonly number[];
  readonly heapBytesPerQueuedJobAfterRestart: number;
  /** How long building the state took, for the reader's sense of scale; not a target. Absent when reused. */
  readonly buildSeconds?: number;
}

/**
 * A restart is a new process, with a heap holding nothing but what the restart builds: the benchmark's own process,
 * full of what the figures before it left, would measure something else.
 */
async function openInFreshProcess(dataDir: string, jobs: number): Promise<{ seconds: number; heapBytesPerQueuedJob: number }> {
  const script = fileURLToPath(new URL('./restart-open.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, dataDir, String(jobs)], {
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { seconds: number; heapBytesPerQueuedJob: number };
}

async function inParallel(count: number, command: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += CONCURRENT) {
    const end = Math.min(count, start + CONCURRENT);
    const batch: Array<Promise<unknown>> = [];
    for (let i = start; i < end; i++) batch.push(command(i));
    await Promise.all(batch);
  }
}

/**
 * `RESTART_BENCH_DATA_DIR=<dir>` keeps the built data directory there instead of a temporary one, and reuses it when
 * it already holds a store, so restarts can be measured again without building a million jobs each time.
 */
export async function restartFigures(jobs: number, workers: number): Promise<RestartFigures> {
  const keptDir = process.env['RESTART_BENCH_DATA_DIR'];
  const dataDir = keptDir ?? mkdtempSync(join(tmpdir(), 'switchboard-restart-bench-'));
  try {
    let buildSeconds: number | undefined;
    if (keptDir === undefined || !existsSync(join(keptDir, 'switchboard.db'))) {
      mkdirSync(dataDir, { recursive: true });
      buildSeconds = await build(dataDir, jobs, workers);
    }
    const restarts: Array<{ seconds: number; heapBytesPerQueuedJob: number }> = [];
    for (let round = 0; round < RESTART_ROUNDS; round++) restarts.push(await openInFreshProcess(dataDir, jobs));
    return {
      restartSeconds: median(restarts.map((restart) => restart.seconds)),
      restartSecondsEach: restarts.map((restart) => restart.seconds),
      heapBytesPerQueuedJobAfterRestart: median(restarts.map((restart) => restart.heapBytesPerQueuedJob)),
      ...(buildSeconds === undefined ? {} : { buildSeconds }),
    };
  } finally {
    if (keptDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Builds the state to restart from; returns the seconds that took. */
async function build(dataDir: string, jobs: number, workers: number): Promise<number> {
  const builtFrom = performance.now();
  const router = await Router.open({ store: await SqliteStore.open({ dataDir, sync: 'normal' }), newId });
  await setUpQueues(router, QUEUES);
  // Jobs wait: they ask for a skill no worker has, one of 1,000 selector sets, as in the heap figure.
  await inParallel(jobs, (j) =>
    router.upsertJob(`wait${j}`, {
      queueId: `q${j % QUEUES}`,
      channelId: 'chat',
      priority: j % 5,
      requestedWorkerSelectors: [{ key: 'skill', labelOperator: 'equal', value: `s${j % 1000}` }],
    }),
  );
  await inParallel(workers, (w) =>
    router.upsertWorker(`w${w}`, {
      queues: [`q${w % QUEUES}`],
      capacity: 100,
      channels: [{ channelId: 'chat', capacityCostPerJob: 25 }],
      labels: { language: w % 2 === 0 ? 'en' : 'fr', level: w % 10 },
      availableForOffers: true,
    }),
  );
  await router.close();
  return (performance.now() - builtFrom) / 1000;
}
