import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const MINUTE = 60_000;

describe('queue position and statistics', () => {
  it('getInQueuePosition is 1-based in dispatch order (priority, then arrival) and counts jobs holding offers', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'only');
    expect(await router.getInQueuePosition('only')).toMatchObject({ jobId: 'only', position: 1, queueId: 'q', queueLength: 1 });

    await createJob(router, 'low', { priority: 0 });
    await advance(MINUTE);
    await createJob(router, 'urgent', { priority: 10 });
    await createJob(router, 'later');
    const positions = await Promise.all(['urgent', 'only', 'later', 'low'].map(async (id) => (await router.getInQueuePosition(id)).position));
    expect(positions).toEqual([1, 2, 3, 4]);
    expect((await router.getInQueuePosition('low')).queueLength).toBe(4);

    // A job with a live offer is still waiting in the queue; an assigned one is not.
    await registerWorker(router, 'w', { capacity: 1 });
    expect((await router.getWorker('w')).offers.map((offer) => offer.jobId)).toEqual(['urgent']);
    expect((await router.getInQueuePosition('urgent')).position).toBe(1);
    await acceptOnlyOffer(router, 'w');
    await expectRefusal(router.getInQueuePosition('urgent'), 'JobNotInQueue');
    expect((await router.getInQueuePosition('only')).position).toBe(1);
    expect((await router.getInQueuePosition('low')).queueLength).toBe(3);
  });

  it('a priority change moves a job in line without losing its arrival order', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    for (const id of ['a', 'b', 'c']) await createJob(router, id);
    await router.upsertJob('c', { priority: 2 });
    await router.upsertJob('a', { priority: 2 });
    const positions = await Promise.all(['a', 'c', 'b'].map(async (id) => (await router.getInQueuePosition(id)).position));
    expect(positions).toEqual([1, 2, 3]);
  });

  it('getQueueStatistics: length, longest wait in minutes, and wait estimates per priority once the queue has dispatched', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    expect(await router.getQueueStatistics('q')).toEqual({ queueId: 'q', length: 0 });

    await createJob(router, 'first');
    await advance(MINUTE);
    await createJob(router, 'second');
    await advance(MINUTE / 2);
    const stats = await router.getQueueStatistics('q');
    expect(stats).toMatchObject({ queueId: 'q', length: 2, longestJobWaitTimeMinutes: 1.5 });
    expect(stats.estimatedWaitTimeMinutes).toBeUndefined();

    // Two dispatches give the queue a rate to estimate from.
    await registerWorker(router, 'w', { capacity: 1 });
    const first = await acceptOnlyOffer(router, 'w');
    await router.closeJob(first.jobId, first.assignmentId);
    await advance(MINUTE);
    await acceptOnlyOffer(router, 'w');
    for (let i = 0; i < 3; i++) await createJob(router, `p1-${i}`);
    await createJob(router, 'p5', { priority: 5 });
    await advance(MINUTE);
    const busy = await router.getQueueStatistics('q');
    expect(busy.length).toBe(4);
    const estimates = busy.estimatedWaitTimeMinutes ?? {};
    expect(Object.keys(estimates).sort()).toEqual(['1', '5']);
    // Higher priority waits behind fewer jobs; every estimate is a whole number of minutes.
    expect(estimates['5']).toBeLessThan(estimates['1']!);
    for (const minutes of Object.values(estimates)) expect(Number.isInteger(minutes)).toBe(true);
    expect((await router.getInQueuePosition('p5')).estimatedWaitTimeMinutes).toBeGreaterThan(0);
    await expectRefusal(router.getQueueStatistics('missing'), 'NotFound');
  });
});
