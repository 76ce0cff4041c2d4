import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, offeredJobs, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('reconfiguring a worker that holds offers', () => {
  it('regression: lowering capacity revokes the newest offers that no longer fit, keeping assigned work', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 3, channels: { voice: 1 } });
    for (const id of ['a', 'b', 'c']) await createJob(router, id);
    const taken = await router.acceptJobOffer('w', (await router.getWorker('w')).offers.find((offer) => offer.jobId === 'a')!.offerId);

    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    expect(await offeredJobs(router, 'w')).toEqual(['b']);
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['jobId'])).toEqual(['c']);
    const worker = await router.getWorker('w');
    expect(worker.loadRatio).toBe(1);
    expect(worker.assignedJobs.map((held) => held.assignmentId)).toEqual([taken.assignmentId]);
  });

  it('regression: lowering maxNumberOfJobs or maxConcurrentOffers revokes the offers beyond the new limit', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 10, channels: { voice: 1 } });
    for (const id of ['a', 'b', 'c']) await createJob(router, id);
    expect(await offeredJobs(router, 'w')).toEqual(['a', 'b', 'c']);

    await registerWorker(router, 'w', { capacity: 10, channels: { voice: { cost: 1, max: 2 } } });
    expect(await offeredJobs(router, 'w')).toEqual(['a', 'b']);
    await registerWorker(router, 'w', { capacity: 10, channels: { voice: 1 }, maxConcurrentOffers: 1 });
    expect(await offeredJobs(router, 'w')).toEqual(['a']);
  });

  it('an assignment is never taken back: a worker whose capacity drops below its accepted work just gets no offers', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'a');
    await acceptOnlyOffer(router, 'w');
    await registerWorker(router, 'w', { capacity: 0, channels: { voice: 1 } });
    await createJob(router, 'b');
    const worker = await router.getWorker('w');
    expect(worker).toMatchObject({ offers: [], loadRatio: 1 });
    expect(worker.assignedJobs.map((held) => held.jobId)).toEqual(['a']);
  });
});
