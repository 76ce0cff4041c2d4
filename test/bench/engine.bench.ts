/**
 * `npm run bench`: in-process engine figures on the memory store. Prints a table and, as its last line, one JSON
 * object. Run with `--expose-gc` (the npm script does) so heap growth is measured after full collections.
 */
import { performance } from 'node:perf_hooks';
import { bytesAllocated } from './allocation.ts';
import { addWorkers, median, openRouter, percentile, queueWaitingJobs, setUpQueues } from './engine-fixtures.ts';
import { actorFloorLifecycles, engineLifecycles, type LifecycleLoad } from './lifecycle-loads.ts';
import { restartFigures } from './restart-figure.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
/** Rounds of engine and floor lifecycles, alternated. */
const LIFECYCLE_ROUNDS = 3;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Lifecycles per second of a load, after 2,000 to warm up; the load is closed afterwards. */
async function perSec(load: LifecycleLoad): Promise<number> {
  const total = Math.round(20_000 * scale);
  try {
    await load.run(2_000);
    const started = performance.now();
    await load.run(total);
    return total / ((performance.now() - started) / 1000);
  } finally {
    await load.close();
  }
}

/** Bytes a load allocates per lifecycle, short-lived ones included, after the same warm-up. */
async function allocatedPerLifecycle(load: LifecycleLoad): Promise<number> {
  try {
    await load.run(2_000);
    const count = 5_000;
    return (await bytesAllocated(() => load.run(count))) / count;
  } finally {
    await load.close();
  }
}

/** Figure 2: create → offer latency with an idle eligible worker, 10,000 workers and 100,000 queued jobs. */
async function offerLatency(): Promise<{ p50: number; p99: number }> {
  const router = await openRouter();
  await setUpQueues(router, 10);
  await addWorkers(router, Math.round(10_000 * scale), 10);
  await queueWaitingJobs(router, Math.round(100_000 * scale), 1000, 10);
  const samples: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const jobId = `probe${i}`;
    const started = performance.now();
    await router.upsertJob(jobId, { queueId: `q${i % 10}`, channelId: 'chat' });
    const elapsed = performance.now() - started;
    if (router.engine.offers.of(jobId).size !== 1) throw new Error(`probe ${jobId} got no offer`);
    if (i >= 500) samples.push(elapsed);
    await router.cancelJob(jobId);
  }
  await router.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** The cost of one worker-side match: a worker becomes available and takes the best job it can from `queued`. */
async function matchCost(queued: number): Promise<number> {
  const router = await openRouter();
  await setUpQueues(router, 1);
  await queueWaitingJobs(router, queued, 1000, 1);
  // The worker qualifies for one selector set of the thousand: matching must skip the rest without scanning them.
  const worker = {
    queues: ['q0'],
    capacity: 100,
    channels: [{ channelId: 'chat', capacityCostPerJob: 100 }],
    labels: { skill: 's999' },
  };
  await router.upsertWorker('matcher', { ...worker, availableForOffers: false });
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    let elapsed = 0;
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await router.upsertWorker('matcher', { availableForOffers: true });
      elapsed += performance.now() - started;
      if (router.engine.actors.workerContext('matcher')?.offerCount !== 1) throw new Error('the worker got no offer');
      await router.upsertWorker('matcher', { availableForOffers: false });
    }
    rounds.push(elapsed / 300);
  }
  await router.close();
  return median(rounds.slice(2));
}

/** Figure 4: heap growth per queued job at 1,000,000 queued jobs. */
async function heapPerQueuedJob(): Promise<number> {
  const count = Math.round(1_000_000 * scale);
  const router = await openRouter();
  await setUpQueues(router, 10);
  gc();
  const before = process.memoryUsage().heapUsed;
  await queueWaitingJobs(router, count, 1000, 10);
  gc();
  const after = process.memoryUsage().heapUsed;
  const queuedNow = [...router.engine.actors.supervisors.keys()].reduce((n, id) => n + (router.engine.dispatch.order(id)?.size ?? 0), 0);
  if (queuedNow !== count) throw new Error(`expected ${count} queued jobs, found ${queuedNow}`);
  await router.close();
  return (after - before) / count;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const figures: Record<string, number | string> = {};
  if (want('lifecycles')) {
    // Engine and floor alternate, so that the machine's drift falls on both alike; the ratio is the median of each
    // round's own ratio.
    const engine: number[] = [];
    const floor: number[] = [];
    const populationFloor: number[] = [];
    for (let round = 0; round < LIFECYCLE_ROUNDS; round++) {
      engine.push(await perSec(await engineLifecycles()));
      floor.push(await perSec(actorFloorLifecycles()));
      populationFloor.push(await perSec(actorFloorLifecycles({ workers: 1000, queues: 10 })));
    }
    const ratio = (over: number[], under: number[]) => Number(median(over.map((perSec, round) => perSec / under[round]!)).toFixed(3));
    figures['lifecyclesPerSec'] = Math.round(median(engine));
    figures['actorFloorLifecyclesPerSec'] = Math.round(median(floor));
    figures['actorFloorAt1000WorkersLifecyclesPerSec'] = Math.round(median(populationFloor));
    figures['engineToFloorRatio'] = ratio(engine, floor);
    figures['floorAt1000WorkersToFloorRatio'] = ratio(populationFloor, floor);
    figures['engineToFloorAt1000WorkersRatio'] = ratio(engine, populationFloor);
    const engineBytes = await allocatedPerLifecycle(await engineLifecycles());
    const floorBytes = await allocatedPerLifecycle(actorFloorLifecycles());
    figures['allocatedKBPerLifecycle'] = Number((engineBytes / 1024).toFixed(1));
    figures['floorAllocatedKBPerLifecycle'] = Number((floorBytes / 1024).toFixed(1));
  }
  if (want('latency')) {
    const { p50, p99 } = await offerLatency();
    figures['p50OfferLatencyMs'] = Number(p50.toFixed(4));
    figures['p99OfferLatencyMs'] = Number(p99.toFixed(4));
  }
  if (want('match')) {
    const small = await matchCost(1_000);
    const large = await matchCost(Math.round(100_000 * scale));
    figures['matchMicrosAt1k'] = Number((small * 1000).toFixed(2));
    figures['matchMicrosAt100k'] = Number((large * 1000).toFixed(2));
    figures['matchCostRatio100kVs1k'] = Number((large / small).toFixed(3));
  }
  if (want('heap')) figures['heapBytesPerQueuedJob'] = Math.round(await heapPerQueuedJob());
  if (want('restart')) {
    const restart = await restartFigures(Math.round(1_000_000 * scale), Math.round(100_000 * scale));
    figures['restartSecondsAt1M'] = Number(restart.restartSeconds.toFixed(2));
    figures['restartSecondsAt1MEach'] = restart.restartSecondsEach.map((seconds) => seconds.toFixed(1)).join(' / ');
    figures['heapBytesPerQueuedJobAfterRestart'] = Math.round(restart.heapBytesPerQueuedJobAfterRestart);
    if (restart.buildSeconds !== undefined) figures['restartBuildSeconds'] = Number(restart.buildSeconds.toFixed(1));
  }
  console.table(figures);
  console.log(JSON.stringify(figures));
}

await main();
