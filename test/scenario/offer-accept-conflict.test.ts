import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('two workers accept the same job', () => {
  it('the second accept is refused with OfferNotActive (409) and the job stays with the first', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 2 });
    await registerWorker(router, 'a');
    await registerWorker(router, 'b');
    await createJob(router, 'j');
    const offerA = await onlyOffer(router, 'a');
    const offerB = await onlyOffer(router, 'b');

    const accepted = await router.acceptJobOffer('a', offerA.offerId);
    const refusal = await expectRefusal(router.acceptJobOffer('b', offerB.offerId), 'OfferNotActive');
    expect(refusal.status).toBe(409);

    const job = await router.getJob('j');
    expect(job.status).toBe('assigned');
    expect(Object.values(job.assignments)).toMatchObject([{ assignmentId: accepted.assignmentId, workerId: 'a' }]);
    expect((await router.getWorker('a')).assignedJobs.map((assignment) => assignment.jobId)).toEqual(['j']);
    const b = await router.getWorker('b');
    expect(b.assignedJobs).toEqual([]);
    expect(b.offers).toEqual([]);
    expect(b.loadRatio).toBe(0);
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual([offerB.offerId]);
  });

  it('two accepts sent together: exactly one wins', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 2 });
    await registerWorker(router, 'a');
    await registerWorker(router, 'b');
    await createJob(router, 'j');
    const [offerA, offerB] = [await onlyOffer(router, 'a'), await onlyOffer(router, 'b')];

    const outcomes = await Promise.allSettled([
      router.acceptJobOffer('a', offerA.offerId),
      router.acceptJobOffer('b', offerB.offerId),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
    expect(outcomes[1]).toMatchObject({ reason: { code: 'OfferNotActive' } });
    const job = await router.getJob('j');
    expect(Object.values(job.assignments).map((assignment) => assignment.workerId)).toEqual(['a']);
  });
});
