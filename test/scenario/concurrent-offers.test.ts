import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('concurrent offers of one job', () => {
  it('maxConcurrentOffers 3 with 3 workers: 3 offers go out, one is accepted, the other two are revoked', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { minConcurrentOffers: 1, maxConcurrentOffers: 3 });
    for (const id of ['a', 'b', 'c']) await registerWorker(router, id);
    await createJob(router, 'j');

    const issued = eventsOf('RouterWorkerOfferIssued');
    expect(issued.map((event) => event.data['workerId']).sort()).toEqual(['a', 'b', 'c']);
    const offerB = await onlyOffer(router, 'b');
    await router.acceptJobOffer('b', offerB.offerId);

    const revoked = eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['workerId']);
    expect(revoked.sort()).toEqual(['a', 'c']);
    for (const id of ['a', 'c']) {
      const worker = await router.getWorker(id);
      expect(worker.offers).toEqual([]);
      expect(worker.loadRatio).toBe(0);
    }
    expect((await router.getWorker('b')).assignedJobs.map((assignment) => assignment.jobId)).toEqual(['j']);
  });

  it('never more offers than maxConcurrentOffers, however many workers are free', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 2 });
    for (const id of ['a', 'b', 'c', 'd']) await registerWorker(router, id);
    await createJob(router, 'j');
    expect(eventsOf('RouterWorkerOfferIssued')).toHaveLength(2);
  });

  it('a worker with maxConcurrentOffers 1 gets its second offer only after answering the first', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j1');
    await createJob(router, 'j2');
    await registerWorker(router, 'w', { capacity: 10, channels: { voice: 1 }, maxConcurrentOffers: 1 });
    const first = await onlyOffer(router, 'w');
    expect(first.jobId).toBe('j1');
    await router.acceptJobOffer('w', first.offerId);
    expect((await onlyOffer(router, 'w')).jobId).toBe('j2');
  });
});
