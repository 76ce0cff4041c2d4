/**
 * The WebSocket benchmark's lifecycle load (`server-driver.ts`), run in process on a `Router` over the memory store:
 * what the engine gives the same scenario with no network in between, the base of `wsToInProcessRatio`.
 */
import { performance } from 'node:perf_hooks';
import { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { WS_LOAD } from './drive.ts';

/** One client creates jobs, keeping `inFlight` open; each worker accepts, completes and closes the offers it gets. */
async function lifecycles(router: Router, limit: number, seconds: number): Promise<{ count: number; seconds: number }> {
  const prefix = `ip${Date.now().toString(36)}`;
  let created = 0;
  let closed = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const createNext = (): void => {
    if (created >= limit || performance.now() > deadline) return;
    router.upsertJob(`${prefix}-${++created}`, { queueId: 'bench', channelId: 'voice' }).catch(fail);
  };
  const done = (): void => {
    closed++;
    if (closed === created && (created >= limit || performance.now() > deadline)) finish();
    else createNext();
  };
  const unsubscribes = await Promise.all(
    Array.from({ length: WS_LOAD.workers }, (_, w) => {
      const workerId = `bench-w${w}`;
      const take = async (offerId: string): Promise<void> => {
        const { jobId, assignmentId } = await router.acceptJobOffer(workerId, offerId);
        await router.completeJob(jobId, assignmentId);
        await router.closeJob(jobId, assignmentId);
        done();
      };
      return router.subscribe({ types: ['RouterWorkerOfferIssued'], workerId }, (event) => void take(String(event.data['offerId'])).catch(fail));
    }),
  );
  for (let i = 0; i < WS_LOAD.inFlight; i++) createNext();
  await finished;
  const elapsed = (performance.now() - started) / 1000;
  for (const unsubscribe of unsubscribes) unsubscribe();
  return { count: closed, seconds: elapsed };
}

/** Lifecycles per second of the WebSocket load in process, after the same warm-up. */
export async function inProcessLifecyclesPerSec(): Promise<number> {
  const router = await Router.open({ store: new MemoryStore() });
  try {
    await router.upsertDistributionPolicy('bench-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await router.upsertQueue('bench', { distributionPolicyId: 'bench-policy' });
    for (let w = 0; w < WS_LOAD.workers; w++)
      await router.upsertWorker(`bench-w${w}`, {
        queues: ['bench'],
        capacity: WS_LOAD.capacity,
        channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
        availableForOffers: true,
      });
    await lifecycles(router, WS_LOAD.warmup, WS_LOAD.seconds);
    const run = await lifecycles(router, WS_LOAD.lifecycles, WS_LOAD.seconds);
    return run.count / run.seconds;
  } finally {
    await router.close();
  }
}
