/**
 * The restart itself, run as a process of its own as a real restart is: opens the router on the SQLite data
 * directory given, and prints one JSON line with the seconds that took and the heap it then holds per queued job.
 * Usage: node --expose-gc --import tsx test/bench/restart-open.ts <dataDir> <queuedJobs>
 */
import { performance } from 'node:perf_hooks';
import { Router } from '../../src/router.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { newId } from './engine-fixtures.ts';

const [dataDir, jobsText] = process.argv.slice(2);
const jobs = Number(jobsText);
const gc = (globalThis as { gc?: () => void }).gc;
if (dataDir === undefined || !Number.isSafeInteger(jobs) || gc === undefined)
  throw new Error('usage: node --expose-gc --import tsx test/bench/restart-open.ts <dataDir> <queuedJobs>');

gc();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const router = await Router.open({ store: await SqliteStore.open({ dataDir }), newId });
const seconds = (performance.now() - started) / 1000;
gc();
const heapBytesPerQueuedJob = (process.memoryUsage().heapUsed - heapBefore) / jobs;
const queued = [...router.engine.actors.supervisors.keys()].reduce((n, id) => n + (router.engine.dispatch.order(id)?.size ?? 0), 0);
await router.close();
if (queued !== jobs) throw new Error(`expected ${jobs} queued jobs after the restart, found ${queued}`);
console.log(JSON.stringify({ seconds, heapBytesPerQueuedJob }));
