import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('cancelling a job', () => {
  it('a queued job: offers revoked, capacity freed, out of the queue, default disposition Cancelled', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const offer = await onlyOffer(router, 'w');

    await router.cancelJob('j', { note: 'caller hung up' });
    const job = await router.getJob('j');
    expect(job).toMatchObject({ status: 'cancelled', dispositionCode: 'Cancelled' });
    expect(job.notes.map((note) => note.message)).toEqual(['caller hung up']);
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual([offer.offerId]);
    expect(eventsOf('RouterJobCancelled')).toMatchObject([{ data: { jobId: 'j', note: 'caller hung up', dispositionCode: 'Cancelled' } }]);
    expect((await router.getWorker('w')).loadRatio).toBe(0);
    expect((await router.getQueueStatistics('q')).length).toBe(0);
    await expectRefusal(router.getInQueuePosition('j'), 'JobNotInQueue');
  });

  it('an assigned job: the assignment is released, the worker capacity freed and used for the next job', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await createJob(router, 'j1');
    await createJob(router, 'j2');
    await acceptOnlyOffer(router, 'w');

    await router.cancelJob('j1', { dispositionCode: 'Abandoned' });
    expect(await router.getJob('j1')).toMatchObject({ status: 'cancelled', dispositionCode: 'Abandoned' });
    const worker = await router.getWorker('w');
    expect(worker.assignedJobs).toEqual([]);
    expect((await onlyOffer(router, 'w')).jobId).toBe('j2');
  });

  it('a job that is already cancelled or closed cannot be cancelled again', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j');
    await router.cancelJob('j');
    await expectRefusal(router.cancelJob('j'), 'InvalidJobState');
    await expectRefusal(router.cancelJob('missing'), 'NotFound');
  });
});
