/**
 * `restartSecondsAt1M`: how long a router takes to reopen its SQLite store holding 1,000,000 queued jobs and 100,000
 * workers — store opened, every document decoded, actors restored, the queue index and deadlines rebuilt — and the
 * heap it then holds per queued job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Router } from '../../src/router.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { newId, setUpQueues } from './engine-fixtures.ts';

const QUEUES = 10;
/** Commands issued at once while building: they share commits (group commit), as concurrent clients' would. */
const CONCURRENT = 2000;

export interface RestartFigures {
  readonly restartSeconds: number;
  readonly heapBytesPerQueuedJobAfterRestart: number;
  /** How long building the state took, for the reader's sense of scale; not a target. */
  readonly buildSeconds: number;
}

async function inParallel(count: number, command: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += CONCURRENT) {
    const end = Math.min(count, start + CONCURRENT);
    const batch: Array<Promise<unknown>> = [];
    for (let i = start; i < end; i++) batch.push(command(i));
    await Promise.all(batch);
  }
}

export async function restartFigures(jobs: number, workers: number, gc: () => void): Promise<RestartFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-restart-bench-'));
  try {
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
    const buildSeconds = (performance.now() - builtFrom) / 1000;

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const reopened = await Router.open({ store: await SqliteStore.open({ dataDir }), newId });
    const restartSeconds = (performance.now() - started) / 1000;
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const queued = [...reopened.engine.supervisors.values()].reduce((n, s) => n + s.getSnapshot().context.index.size, 0);
    if (queued !== jobs) throw new Error(`expected ${jobs} queued jobs after the restart, found ${queued}`);
    await reopened.close();
    return { restartSeconds, heapBytesPerQueuedJobAfterRestart: (heapAfter - heapBefore) / jobs, buildSeconds };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
