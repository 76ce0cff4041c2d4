/**
 * `npm run bench`: in-process engine figures on the memory store. Prints a table and, as its last line, one JSON
 * object. Run with `--expose-gc` (the npm script does) so heap growth is measured after full collections.
 */
import { performance } from 'node:perf_hooks';
import { createActor } from 'xstate';
import { jobMachine } from '../../machines/job.machine.ts';
import { offerMachine } from '../../machines/offer.machine.ts';
import { queueMachine } from '../../machines/queue.machine.ts';
import { workerMachine } from '../../machines/worker.machine.ts';
import { addWorkers, median, openRouter, percentile, queueWaitingJobs, setUpQueues } from './engine-fixtures.ts';
import { restartFigures } from './restart-figure.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
/** Rounds of engine and floor lifecycles, alternated. */
const LIFECYCLE_ROUNDS = 3;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Figure 1: full lifecycles per second with 1,000 workers on 10 queues, several lifecycles in flight. */
async function lifecyclesPerSec(): Promise<number> {
  const router = await openRouter();
  await setUpQueues(router, 10);
  await addWorkers(router, 1000, 10);
  const engine = router.engine;
  let job = 0;
  const lifecycle = async () => {
    const jobId = `j${++job}`;
    const q = job % 10;
    await router.upsertJob(jobId, {
      queueId: `q${q}`,
      channelId: job % 5 === 0 ? 'voice' : 'chat',
      priority: job % 3,
      labels: { customer: jobId },
      requestedWorkerSelectors: [{ key: 'language', labelOperator: 'equal', value: job % 2 === 0 ? 'en' : 'fr' }],
    });
    const offer = engine.offers.of(jobId).entries().next().value;
    if (!offer) throw new Error(`job ${jobId} got no offer`);
    const { assignmentId } = await router.acceptJobOffer(offer[1], offer[0]);
    await router.completeJob(jobId, assignmentId);
    await router.closeJob(jobId, assignmentId);
    await router.deleteJob(jobId);
  };
  const total = Math.round(20_000 * scale);
  const lanes = 16;
  const run = async (count: number) => {
    const lane = async (n: number) => {
      for (let i = 0; i < n; i++) await lifecycle();
    };
    await Promise.all(Array.from({ length: lanes }, () => lane(count / lanes)));
  };
  await run(2_000); // warm-up
  const started = performance.now();
  await run(total);
  const seconds = (performance.now() - started) / 1000;
  await router.close();
  return total / seconds;
}

/**
 * The floor under figure 1: exactly the actor work one lifecycle needs in this design — a job and an offer actor
 * created, eleven events across job, offer, worker and supervisor — with nothing else. No engine can be faster.
 *
 * With one worker and one queue (the default) every lifecycle reuses the same two actors, whose snapshots stay in
 * the CPU's caches and die young. With `workers` and `queues` set to figure 1's population, each lifecycle goes to
 * the next worker of its queue in turn, as longest idle does: the same actor work, on actors that were last touched
 * a thousand lifecycles ago and whose latest snapshots outlive a young-generation collection.
 */
function actorFloorPerSec(population: { workers: number; queues: number } = { workers: 1, queues: 1 }): number {
  const config = { queues: ['q'], capacity: 100, labels: {}, tags: {}, channels: [{ channelId: 'chat', capacityCostPerJob: 25 }], availableForOffers: true };
  const workers = Array.from({ length: population.workers }, (_, w) => {
    const worker = createActor(workerMachine, { input: { id: `w${w}`, at: 0, config: { ...config, availableForOffers: false } } }).start();
    worker.send({ type: 'worker.configure', at: 0, config });
    return worker;
  });
  const queues = Array.from({ length: population.queues }, (_, q) => createActor(queueMachine, { input: { queueId: `q${q}` } }).start());
  const perQueue = Math.max(1, Math.floor(population.workers / population.queues));
  const template = { channelId: 'chat', queueId: 'q', priority: 1, requestedWorkerSelectors: [], attachedWorkerSelectors: [], labels: {}, tags: {}, notes: [], assignments: {}, matchingMode: { kind: 'queueAndMatch' as const } };
  const lifecycle = (i: number) => {
    const jobId = `j${i}`;
    const offerId = `o${i}`;
    const assignmentId = `a${i}`;
    const q = i % population.queues;
    // Worker q, q + queues, q + 2·queues, … belong to queue q, as in figure 1; each takes its turn.
    const worker = workers[(q + population.queues * (Math.floor(i / population.queues) % perQueue)) % population.workers]!;
    const queue = queues[q]!;
    const job = createActor(jobMachine, { input: { job: { ...template, id: jobId } } }).start();
    job.send({ type: 'job.enqueue', at: 1 });
    queue.send({ type: 'queue.enqueue', entry: { jobId, priority: 1, enqueueSeq: i, enqueuedAt: 1, expedite: false, channelId: 'chat', selectors: [] } });
    const held = { offerId, jobId, channelId: 'chat', capacityCost: 25, offeredAt: 1, expiresAt: 100 };
    worker.send({ type: 'worker.reserve', offer: held });
    const offer = createActor(offerMachine, { input: { ...held, workerId: 'w', queueId: 'q' } }).start();
    queue.send({ type: 'queue.park', jobId });
    offer.send({ type: 'offer.accept', at: 2 });
    worker.send({ type: 'worker.assign', offerId, assignmentId, at: 2 });
    job.send({ type: 'job.assign', assignmentId, workerId: 'w', at: 2 });
    queue.send({ type: 'queue.remove', jobId });
    job.send({ type: 'job.complete', assignmentId, at: 3 });
    job.send({ type: 'job.close', assignmentId, at: 4 });
    worker.send({ type: 'worker.release', assignmentId, at: 4 });
    job.stop();
    offer.stop();
  };
  for (let i = 0; i < 2_000; i++) lifecycle(i);
  const total = Math.round(20_000 * scale);
  const started = performance.now();
  for (let i = 0; i < total; i++) lifecycle(2_000 + i);
  return total / ((performance.now() - started) / 1000);
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
      engine.push(await lifecyclesPerSec());
      floor.push(actorFloorPerSec());
      populationFloor.push(actorFloorPerSec({ workers: 1000, queues: 10 }));
    }
    const ratio = (over: number[], under: number[]) => Number(median(over.map((perSec, round) => perSec / under[round]!)).toFixed(3));
    figures['lifecyclesPerSec'] = Math.round(median(engine));
    figures['actorFloorLifecyclesPerSec'] = Math.round(median(floor));
    figures['actorFloorAt1000WorkersLifecyclesPerSec'] = Math.round(median(populationFloor));
    figures['engineToFloorRatio'] = ratio(engine, floor);
    figures['floorAt1000WorkersToFloorRatio'] = ratio(populationFloor, floor);
    figures['engineToFloorAt1000WorkersRatio'] = ratio(engine, populationFloor);
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
