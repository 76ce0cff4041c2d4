import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

describe('close with closeAt', () => {
  it('holds the capacity until closeAt, then closes the job with RouterJobClosed at that time', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await createJob(router, 'j1');
    await createJob(router, 'j2');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    await router.completeJob('j1', assignmentId);
    const closeAt = new Date(T0 + 5 * 60_000).toISOString();

    await router.closeJob('j1', assignmentId, { closeAt, dispositionCode: 'Resolved' });
    expect((await router.getJob('j1')).status).toBe('completed');
    expect(eventsOf('RouterJobClosed')).toEqual([]);
    const busy = await router.getWorker('w');
    expect(busy.loadRatio).toBe(1);
    expect(busy.offers).toEqual([]);

    await advance(5 * 60_000 - 1);
    expect((await router.getJob('j1')).status).toBe('completed');
    expect((await router.getWorker('w')).offers).toEqual([]);

    await advance(1);
    const closed = await router.getJob('j1');
    expect(closed).toMatchObject({ status: 'closed', dispositionCode: 'Resolved' });
    expect(closed.assignments[assignmentId]?.closedAt).toBe(closeAt);
    const [event] = eventsOf('RouterJobClosed');
    expect(event).toMatchObject({ time: closeAt, data: { jobId: 'j1', assignmentId, workerId: 'w', dispositionCode: 'Resolved' } });
    // The freed capacity goes straight to the next job.
    expect((await onlyOffer(router, 'w')).jobId).toBe('j2');
  });

  it('closes at once when closeAt is not in the future', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    await advance(1000);
    await router.closeJob('j', assignmentId, { closeAt: new Date(T0).toISOString() });
    expect((await router.getJob('j')).status).toBe('closed');
    expect((await router.getWorker('w')).loadRatio).toBe(0);
  });
});
