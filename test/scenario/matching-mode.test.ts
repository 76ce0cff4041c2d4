import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

describe('matching modes', () => {
  it('suspend: the job waits unoffered until switched to queueAndMatch, which queues it at once', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j', { matchingMode: { kind: 'suspend' } });
    expect((await router.getJob('j')).status).toBe('waitingForActivation');
    expect((await router.getWorker('w')).offers).toEqual([]);
    expect(eventsOf('RouterJobWaitingForActivation').map((event) => event.data['jobId'])).toEqual(['j']);

    const activated = await router.upsertJob('j', { matchingMode: { kind: 'queueAndMatch' } });
    expect(activated.resource.status).toBe('queued');
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });

  it('switching a queued job to suspend revokes its offers and takes it out of the queue', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const offer = await onlyOffer(router, 'w');
    await router.upsertJob('j', { matchingMode: { kind: 'suspend' } });
    expect((await router.getJob('j')).status).toBe('waitingForActivation');
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual([offer.offerId]);
    expect((await router.getQueueStatistics('q')).length).toBe(0);
    expect((await router.getWorker('w')).loadRatio).toBe(0);
  });

  it('scheduleAndSuspend: scheduled until scheduleAt, then waitingForActivation with scheduledAt set, then queued on activation', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    const scheduleAt = new Date(T0 + 3 * 60_000).toISOString();
    await createJob(router, 'j', { matchingMode: { kind: 'scheduleAndSuspend', scheduleAt } });
    expect((await router.getJob('j')).status).toBe('scheduled');

    await advance(3 * 60_000 - 1);
    expect((await router.getJob('j')).status).toBe('scheduled');
    expect(eventsOf('RouterJobWaitingForActivation')).toEqual([]);

    await advance(1);
    const due = await router.getJob('j');
    expect(due).toMatchObject({ status: 'waitingForActivation', scheduledAt: scheduleAt });
    expect(eventsOf('RouterJobWaitingForActivation')).toMatchObject([{ time: scheduleAt, data: { jobId: 'j' } }]);
    expect((await router.getWorker('w')).offers).toEqual([]);
    expect((await router.listJobs({ scheduledBefore: scheduleAt })).value.map((job) => job.id)).toEqual(['j']);

    const activated = await router.upsertJob('j', { matchingMode: { kind: 'queueAndMatch' }, priority: 5 });
    expect(activated.resource).toMatchObject({ status: 'queued', priority: 5 });
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });
});
