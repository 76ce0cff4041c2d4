/**
 * Regression: deleting things did not give their memory back. 1,000 job deletes left 2,000 deadlines in the heap
 * (`selectors:` and `retry:`), the declines map was never pruned, and wait estimators and prepared policies outlived
 * their queue and policy. A create/delete cycle of everything must return every count of the engine's footprint to
 * where it started.
 */
import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { onlyOffer, registerWorker } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

const MINUTE = 60_000;

/** Creates one of everything, with every kind of deadline and memo armed, then deletes it all. */
async function cycle(router: Router, i: number, whileAlive?: () => void): Promise<void> {
  const [dp, ep, q, cp, w, declined, served] = ['dp', 'ep', 'q', 'cp', 'w', 'declined', 'served'].map((name) => `${name}-${i}`) as [
    string, string, string, string, string, string, string,
  ];
  await router.upsertDistributionPolicy(dp, { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
  await router.upsertExceptionPolicy(ep, {
    exceptionRules: [{ id: 'late', trigger: { kind: 'waitTime', thresholdSeconds: 3600 }, actions: [{ kind: 'cancel' }] }],
  });
  await router.upsertQueue(q, { distributionPolicyId: dp, exceptionPolicyId: ep });
  await router.upsertClassificationPolicy(cp, { fallbackQueueId: q });
  await registerWorker(router, w, { queues: [q] });
  // A job with an expiring selector (`selectors:`), declined with a retry (`retry:` and a decline on record).
  const selector = { key: 'Id', labelOperator: 'equal', value: w, expiresAfterSeconds: 600 };
  await router.upsertJob(declined, { classificationPolicyId: cp, channelId: 'voice', requestedWorkerSelectors: [selector] });
  const offer = await onlyOffer(router, w);
  await router.declineJobOffer(w, offer.offerId, { retryOfferAt: new Date(T0 + 10 * MINUTE).toISOString() });
  // A job served to the end, so the queue has dispatched and keeps a wait estimate.
  await router.upsertJob(served, { queueId: q, channelId: 'voice' });
  const { assignmentId } = await router.acceptJobOffer(w, (await onlyOffer(router, w)).offerId);
  await router.closeJob(served, assignmentId);
  whileAlive?.();
  await router.cancelJob(declined);
  for (const job of [declined, served]) await router.deleteJob(job);
  await router.deleteWorker(w);
  await router.deleteClassificationPolicy(cp);
  await router.deleteQueue(q);
  await router.deleteExceptionPolicy(ep);
  await router.deleteDistributionPolicy(dp);
}

describe('the engine gives back what deleted resources held', () => {
  it('1,000 create/delete cycles of jobs, workers, queues and policies return every footprint count to its start', async () => {
    const { router } = await openTestRouter();
    const start = router.engine.footprint();
    await cycle(router, 0, () => {
      // The cycle does raise what it must give back.
      const alive = router.engine.footprint();
      expect(alive.deadlines).toBeGreaterThanOrEqual(3);
      expect(alive).toMatchObject({ decliners: 1, declines: 1, waitEstimators: 1, preparedPolicies: 1, jobs: 2, queueActors: 1 });
    });
    for (let i = 1; i < 1000; i++) await cycle(router, i);
    expect(router.engine.footprint()).toEqual(start);
  });

  it('a deleted worker takes its declines with it: a new worker under its id is offered the job', async () => {
    const { router } = await openTestRouter();
    await router.upsertDistributionPolicy('dp', { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q', { distributionPolicyId: 'dp' });
    await registerWorker(router, 'w');
    await router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
    await router.declineJobOffer('w', (await onlyOffer(router, 'w')).offerId);
    await router.deleteWorker('w');
    expect(router.engine.footprint()).toMatchObject({ decliners: 0, declines: 0 });
    await registerWorker(router, 'w');
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });
});
