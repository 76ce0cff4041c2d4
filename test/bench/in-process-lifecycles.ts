/**
 * The WebSocket benchmark's lifecycle load (`server-driver.ts`), run in process on a `Router` over the memory store:
 * what the engine gives the same scenario with no network in between, the base of `wsToInProcessRatio`.
 */
import { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { LifecyclePump, WS_LOAD } from './drive.ts';

/** One client creates jobs, keeping `inFlight` open; each worker accepts, completes and closes the offers it gets. */
async function lifecycles(router: Router, limit: number, seconds: number): Promise<{ count: number; seconds: number }> {
  const prefix = `ip${Date.now().toString(36)}`;
  const pump = new LifecyclePump({ limit, seconds, create: (n) => router.upsertJob(`${prefix}-${n}`, { queueId: 'bench', channelId: 'voice' }) });
  const unsubscribes = await Promise.all(
    Array.from({ length: WS_LOAD.workers }, (_, w) => {
      const workerId = `bench-w${w}`;
      const take = async (offerId: string): Promise<void> => {
        const { jobId, assignmentId } = await router.acceptJobOffer(workerId, offerId);
        await router.completeJob(jobId, assignmentId);
        await router.closeJob(jobId, assignmentId);
        pump.closed();
      };
      return router.subscribe({ types: ['RouterWorkerOfferIssued'], workerId }, (event) => void take(String(event.data['offerId'])).catch(pump.fail));
    }),
  );
  pump.start(WS_LOAD.inFlight);
  const run = await pump.finished;
  for (const unsubscribe of unsubscribes) unsubscribe();
  return run;
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
