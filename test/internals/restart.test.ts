import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';
import { restartStores } from '../support/restart-stores.ts';
import { visibleState } from '../support/state-snapshot.ts';

const MINUTE = 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe.each(restartStores)('restart on the same store ($name)', (kind) => {
  it('jobs, workers, offers and queue order survive, and every deadline still fires', async () => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    const { router } = first;
    await setupQueue(router, { offerExpiresAfterSeconds: 600 });
    // `closer` holds a job whose close is deferred; `decliner` declined one with a retry time; `holder` holds an offer.
    await registerWorker(router, 'closer', { capacity: 1 });
    await createJob(router, 'closing');
    const closing = await acceptOnlyOffer(router, 'closer');
    await router.closeJob('closing', closing.assignmentId, { closeAt: at(5 * MINUTE) });
    await registerWorker(router, 'decliner', { capacity: 1 });
    await createJob(router, 'declined', { priority: 9 });
    await router.declineJobOffer('decliner', (await onlyOffer(router, 'decliner')).offerId, { retryOfferAt: at(3 * MINUTE) });
    await createJob(router, 'held', { priority: 8 });
    expect((await onlyOffer(router, 'decliner')).jobId).toBe('held');
    for (const [id, priority] of [['low', 0], ['mid-1', 1], ['high', 5], ['mid-2', 1]] as const) await createJob(router, id, { priority });
    await createJob(router, 'callback', { matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: at(4 * MINUTE) } });
    await first.advance(MINUTE);
    const queued = ['declined', 'held', 'high', 'mid-1', 'mid-2', 'low'];
    const positionsBefore = await Promise.all(queued.map(async (id) => (await router.getInQueuePosition(id)).position));
    expect(positionsBefore).toEqual([1, 2, 3, 4, 5, 6]);
    const before = await visibleState(router);
    await router.close();

    const second = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
    const restored = second.router;
    expect(await visibleState(restored)).toEqual(before);
    const positionsAfter = await Promise.all(queued.map(async (id) => (await restored.getInQueuePosition(id)).position));
    expect(positionsAfter).toEqual(positionsBefore);
    expect([...restored.engine.offers.keys()]).toEqual([...router.engine.offers.keys()]);

    // Events go on from where the first router stopped.
    await createJob(restored, 'new');
    expect(second.events[0]?.sequenceNumber).toBe(before.lastEvent + 1);

    // retryOfferAt (3 min): `declined` may go to the decliner again, but it is busy with its offer of `held`.
    await second.advance(2 * MINUTE);
    expect(restored.engine.actors.jobs.get('declined')?.declines).toBeUndefined();
    // scheduleAt (4 min).
    await second.advance(MINUTE);
    expect(await restored.getJob('callback')).toMatchObject({ status: 'waitingForActivation', scheduledAt: at(4 * MINUTE) });
    // closeAt (5 min): closer is free, and takes the best queued job.
    await second.advance(MINUTE);
    expect((await restored.getJob('closing')).status).toBe('closed');
    expect((await onlyOffer(restored, 'closer')).jobId).toBe('declined');
    // The restored offer of `held` expires 10 minutes after it was issued, and the job goes out again at once.
    await second.advance(5 * MINUTE);
    expect(second.eventsOf('RouterWorkerOfferExpired').map((event) => event.data['jobId'])).toEqual(['held']);
    expect((await onlyOffer(restored, 'decliner')).jobId).toBe('held');
    expect(second.eventsOf('RouterJobClosed').map((event) => event.data['jobId'])).toEqual(['closing']);
    const numbers = second.events.map((event) => event.sequenceNumber);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });

  it('the event history replays from the store after a restart, and numbering goes on from it', async () => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    await setupQueue(first.router);
    await registerWorker(first.router, 'w');
    await createJob(first.router, 'j');
    const before = first.events.map((event) => [event.sequenceNumber, event.id, event.type]);
    await first.router.close();

    const second = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after', fromSequence: 1 });
    expect(second.events.map((event) => [event.sequenceNumber, event.id, event.type])).toEqual(before);
    await createJob(second.router, 'k');
    const numbers = second.events.map((event) => event.sequenceNumber);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(numbers.length).toBeGreaterThan(before.length);
  });

  it('a restored offer can be accepted, and the job then leaves the queue', async () => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    await setupQueue(first.router);
    await registerWorker(first.router, 'w');
    await createJob(first.router, 'j');
    const offer = await onlyOffer(first.router, 'w');
    await first.router.close();

    const { router } = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
    const accepted = await router.acceptJobOffer('w', offer.offerId);
    expect(accepted).toMatchObject({ jobId: 'j', workerId: 'w' });
    expect((await router.getJob('j')).status).toBe('assigned');
    expect((await router.getQueueStatistics('q')).length).toBe(0);
  });

  it('deadlines that fell due while no router was running fire once one is back', async () => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    await setupQueue(first.router, { offerExpiresAfterSeconds: 60 });
    await registerWorker(first.router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(first.router, 'offered');
    await createJob(first.router, 'closing');
    const offers = await first.router.getWorker('w');
    const closing = offers.offers.find((offer) => offer.jobId === 'closing')!;
    const { assignmentId } = await first.router.acceptJobOffer('w', closing.offerId);
    await first.router.closeJob('closing', assignmentId, { closeAt: at(2 * MINUTE) });
    await createJob(first.router, 'callback', { matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: at(3 * MINUTE) } });
    await first.router.close();
    first.clock.advance(10 * MINUTE);

    const second = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
    await second.advance(0);
    expect(second.eventsOf('RouterWorkerOfferExpired').map((event) => event.data['jobId'])).toEqual(['offered']);
    expect(second.eventsOf('RouterJobClosed')).toMatchObject([{ data: { jobId: 'closing', assignmentId } }]);
    expect(await second.router.getJob('closing')).toMatchObject({ status: 'closed' });
    expect(await second.router.getJob('callback')).toMatchObject({ status: 'waitingForActivation' });
    // The expired job went out again to the worker, whose capacity the close freed.
    expect((await second.router.getWorker('w')).offers.map((offer) => offer.jobId)).toEqual(['offered']);
  });
});
