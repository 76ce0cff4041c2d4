import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const scheduled = (ms: number) => ({ kind: 'scheduleAndSuspend', scheduleAt: at(ms) });

describe('scheduled jobs', () => {
  it('scheduleAndSuspend: answered pendingSchedule, then scheduled, then waitingForActivation with scheduledAt at scheduleAt', async () => {
    const { router, advance, events, eventsOf } = await openTestRouter();
    await setupQueue(router);
    // Regression: the create answered `created`; Azure answers `pendingSchedule` and moves on to `scheduled`.
    const created = await createJob(router, 'j', { matchingMode: scheduled(10 * MINUTE) });
    expect(created.status).toBe('pendingSchedule');
    expect((await router.getJob('j')).status).toBe('scheduled');
    expect(eventsOf('RouterJobReceived')[0]!.data).toMatchObject({ jobStatus: 'PendingSchedule', scheduledOn: at(10 * MINUTE), unavailableForMatching: true });
    // Nothing more is raised until the schedule comes (Azure has no event for `scheduled`).
    expect(events.map((event) => event.type)).toEqual(['RouterJobReceived']);

    await advance(10 * MINUTE);
    expect(await router.getJob('j')).toMatchObject({ status: 'waitingForActivation', scheduledAt: at(10 * MINUTE) });
    expect(eventsOf('RouterJobWaitingForActivation')[0]!.data).toMatchObject({ jobId: 'j', scheduledOn: at(10 * MINUTE), unavailableForMatching: true });
  });

  it('activation by switching to queueAndMatch queues the job in the PATCH response, before or after its time came', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'early', { matchingMode: scheduled(10 * MINUTE) });
    await createJob(router, 'due', { matchingMode: scheduled(MINUTE) });
    await advance(MINUTE);

    for (const id of ['early', 'due']) {
      const activated = await router.upsertJob(id, { matchingMode: { kind: 'queueAndMatch' } });
      expect(activated.resource.status).toBe('queued');
    }
    // The early job's schedule deadline was dropped with its activation: it never waits for activation again.
    await advance(10 * MINUTE);
    expect((await router.getJob('early')).status).toBe('queued');
    expect((await router.getWorker('w')).offers.map((offer) => offer.jobId).sort()).toEqual(['due', 'early']);
  });

  it('a scheduleAt already past fires at once', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j', { matchingMode: scheduled(-MINUTE) });
    await advance(0);
    expect(await router.getJob('j')).toMatchObject({ status: 'waitingForActivation', scheduledAt: at(0) });
  });

  it('scheduleFailed with RouterJobSchedulingFailed when scheduleAt is more than 90 days ahead', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'within', { matchingMode: scheduled(90 * DAY) });
    await createJob(router, 'beyond', { matchingMode: scheduled(90 * DAY + 1) });
    expect((await router.getJob('within')).status).toBe('scheduled');
    expect((await router.getJob('beyond')).status).toBe('scheduleFailed');
    expect(eventsOf('RouterJobSchedulingFailed')).toMatchObject([
      { data: { jobId: 'beyond', scheduledOn: at(90 * DAY + 1), failureReason: expect.stringContaining('90 days'), priority: 1 } },
    ]);
    // A failed schedule can only be cancelled.
    await expectRefusal(router.reclassifyJob('beyond'), 'InvalidJobState');
    await router.cancelJob('beyond');
    expect((await router.getJob('beyond')).status).toBe('cancelled');
  });

  it('a job cannot be switched to scheduleAndSuspend after it was created', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j');
    await expectRefusal(router.upsertJob('j', { matchingMode: scheduled(MINUTE) }), 'InvalidJobState');
  });

  it('suspend: waits without offers until activated', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j', { matchingMode: { kind: 'suspend' } });
    expect(await router.getJob('j')).toMatchObject({ status: 'waitingForActivation' });
    expect((await router.getJob('j')).scheduledAt).toBeUndefined();
    expect((await router.getWorker('w')).offers).toEqual([]);
    await router.upsertJob('j', { matchingMode: { kind: 'queueAndMatch' } });
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });

  it('cancelling a scheduled job drops its schedule', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j', { matchingMode: scheduled(MINUTE) });
    await router.cancelJob('j');
    await advance(MINUTE);
    expect((await router.getJob('j')).status).toBe('cancelled');
    expect(eventsOf('RouterJobWaitingForActivation')).toEqual([]);
  });

  it('listJobs filters on scheduledAt with scheduledBefore (inclusive) and scheduledAfter (inclusive)', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'one', { matchingMode: scheduled(MINUTE) });
    await createJob(router, 'two', { matchingMode: scheduled(2 * MINUTE) });
    await createJob(router, 'three', { matchingMode: scheduled(3 * MINUTE) });
    await createJob(router, 'unscheduled');
    await advance(3 * MINUTE);
    const ids = async (request: Parameters<typeof router.listJobs>[0]) => (await router.listJobs(request)).value.map((job) => job.id).sort();
    expect(await ids({ scheduledBefore: at(2 * MINUTE) })).toEqual(['one', 'two']);
    expect(await ids({ scheduledAfter: at(2 * MINUTE) })).toEqual(['three', 'two']);
    expect(await ids({ scheduledAfter: at(MINUTE + 1), scheduledBefore: at(3 * MINUTE - 1) })).toEqual(['two']);
    expect(await ids({ status: 'waitingForActivation' })).toEqual(['one', 'three', 'two']);
  });
});
