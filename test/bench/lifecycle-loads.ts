/**
 * The two lifecycle loads of `npm run bench -- lifecycles`, each set up once and then run any number of times: figure
 * 1 through the engine, and the actor floor under it. Timing and allocation figures run the same loads.
 */
import { createActor } from 'xstate';
import { jobMachine } from '../../machines/job.machine.ts';
import { offerMachine } from '../../machines/offer.machine.ts';
import { queueMachine } from '../../machines/queue.machine.ts';
import { workerMachine } from '../../machines/worker.machine.ts';
import { addWorkers, openRouter, setUpQueues } from './engine-fixtures.ts';

/** A load ready to run: `run(count)` drives `count` lifecycles to their end. */
export interface LifecycleLoad {
  run(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Figure 1: full lifecycles with 1,000 workers on 10 queues, 16 lifecycles in flight. */
export async function engineLifecycles(): Promise<LifecycleLoad> {
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
  const lanes = 16;
  return {
    async run(count) {
      const lane = async (n: number) => {
        for (let i = 0; i < n; i++) await lifecycle();
      };
      await Promise.all(Array.from({ length: lanes }, () => lane(count / lanes)));
    },
    close: () => router.close(),
  };
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
export function actorFloorLifecycles(population: { workers: number; queues: number } = { workers: 1, queues: 1 }): LifecycleLoad {
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
  let next = 0;
  return {
    async run(count) {
      for (let i = 0; i < count; i++) lifecycle(next++);
    },
    close: async () => {
      for (const actor of [...workers, ...queues]) actor.stop();
    },
  };
}
