import { describe, expect, it } from 'vitest';
import { createJob, offeredJobs, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('changing the distribution policy of a queue with jobs waiting', () => {
  it('regression: lowering the policy maximum revokes the newest offers beyond it, and no new ones go out', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 3 });
    for (const id of ['a', 'b', 'c']) await registerWorker(router, id);
    await createJob(router, 'j');
    const [oldest, ...newer] = eventsOf('RouterWorkerOfferIssued').map((event) => event.data['offerId']);

    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle', maxConcurrentOffers: 1 } });
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual(newer);
    // A worker arriving now must not get a second offer of the full job.
    await registerWorker(router, 'd');
    expect(eventsOf('RouterWorkerOfferIssued')).toHaveLength(3);
    expect([...router.engine.offers.of('j').keys()]).toEqual([oldest]);
  });

  it('regression: moving a queue to a policy with a lower maximum applies it the same way', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 2 });
    await router.upsertDistributionPolicy('single', { mode: { kind: 'roundRobin', maxConcurrentOffers: 1 } });
    for (const id of ['a', 'b']) await registerWorker(router, id);
    await createJob(router, 'j');
    expect(router.engine.offers.of('j').size).toBe(2);
    await router.upsertQueue('q', { distributionPolicyId: 'single' });
    expect(router.engine.offers.of('j').size).toBe(1);
  });

  it('regression: raising the policy maximum sends the extra offers of a waiting job at once', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 1 });
    for (const id of ['a', 'b', 'c']) await registerWorker(router, id);
    await createJob(router, 'j');
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle', maxConcurrentOffers: 3 } });
    expect(router.engine.offers.of('j').size).toBe(3);
  });

  it('regression: raising the maximum gives a free worker to the waiting job of highest priority, not the one queued first', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 1 });
    await registerWorker(router, 'a', { capacity: 1 });
    await createJob(router, 'low', { priority: 0 });
    await registerWorker(router, 'b', { capacity: 1 });
    await createJob(router, 'high', { priority: 5 });
    expect([...(await offeredJobs(router, 'a')), ...(await offeredJobs(router, 'b'))].sort()).toEqual(['high', 'low']);
    // Both jobs hold all the offers they may: the newcomer gets none until the maximum is raised.
    await registerWorker(router, 'free', { capacity: 1 });
    expect(await offeredJobs(router, 'free')).toEqual([]);
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle', maxConcurrentOffers: 2 } });
    expect(await offeredJobs(router, 'free')).toEqual(['high']);
  });

  it('regression: a queue given its policy only now dispatches its waiting jobs in priority order', async () => {
    const { router } = await openTestRouter();
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q', {});
    await createJob(router, 'low', { priority: 0 });
    await createJob(router, 'high', { priority: 5 });
    await registerWorker(router, 'w', { capacity: 1 });
    expect(await offeredJobs(router, 'w')).toEqual([]);
    await router.upsertQueue('q', { distributionPolicyId: 'dp' });
    expect(await offeredJobs(router, 'w')).toEqual(['high']);
  });
});
