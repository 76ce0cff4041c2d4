import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('deregistering a worker that still has work', () => {
  it('drains: offers are revoked, no new offers, and the worker becomes inactive once its last job closes', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'j1');
    await createJob(router, 'j2');
    const offers = (await router.getWorker('w')).offers;
    expect(offers.map((offer) => offer.jobId).sort()).toEqual(['j1', 'j2']);
    const j1 = offers.find((offer) => offer.jobId === 'j1')!;
    const j2 = offers.find((offer) => offer.jobId === 'j2')!;
    const { assignmentId } = await router.acceptJobOffer('w', j1.offerId);

    const deregistered = await router.upsertWorker('w', { availableForOffers: false });
    expect(deregistered.resource.state).toBe('draining');
    expect(deregistered.resource.offers).toEqual([]);
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual([j2.offerId]);
    expect(eventsOf('RouterWorkerDeregistered').map((event) => event.data['workerId'])).toEqual(['w']);
    expect((await router.listWorkers({ state: 'draining' })).value.map((worker) => worker.id)).toEqual(['w']);

    // Another job arrives: a draining worker gets no offer.
    await createJob(router, 'j3');
    expect((await router.getWorker('w')).offers).toEqual([]);

    await router.completeJob('j1', assignmentId);
    expect((await router.getWorker('w')).state).toBe('draining');
    await router.closeJob('j1', assignmentId);
    const after = await router.getWorker('w');
    expect(after).toMatchObject({ state: 'inactive', offers: [], assignedJobs: [], loadRatio: 0 });
  });

  it('a worker with nothing assigned goes straight to inactive', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const result = await router.upsertWorker('w', { availableForOffers: false });
    expect(result.resource).toMatchObject({ state: 'inactive', offers: [] });
    expect((await router.getJob('j')).status).toBe('queued');
  });

  it('re-registering a draining worker makes it active again with its assignment intact', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'j1');
    await acceptOnlyOffer(router, 'w');
    await router.upsertWorker('w', { availableForOffers: false });
    await createJob(router, 'j2');
    await router.upsertWorker('w', { availableForOffers: true });
    const back = await router.getWorker('w');
    expect(back.state).toBe('active');
    expect(back.assignedJobs.map((assignment) => assignment.jobId)).toEqual(['j1']);
    expect(back.offers.map((offer) => offer.jobId)).toEqual(['j2']);
  });
});
