import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('a job from creation to close', () => {
  it('is created, queued, offered, assigned, completed and closed, holding the worker capacity until closed', async () => {
    const { router, events } = await openTestRouter();
    await setupQueue(router, { offerExpiresAfterSeconds: 30 });
    await registerWorker(router, 'w', { capacity: 10 });

    const created = await createJob(router, 'j');
    expect(created.status).toBe('created');
    expect((await router.getJob('j')).status).toBe('queued');
    const offered = await router.getWorker('w');
    expect(offered.loadRatio).toBe(1);
    expect(offered.offers[0]).toMatchObject({ jobId: 'j', capacityCost: 10 });

    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    expect((await router.getJob('j')).status).toBe('assigned');
    expect((await router.getWorker('w')).assignedJobs).toMatchObject([{ jobId: 'j', assignmentId, capacityCost: 10 }]);

    await router.completeJob('j', assignmentId, { note: 'done' });
    expect((await router.getJob('j')).status).toBe('completed');
    expect((await router.getWorker('w')).loadRatio).toBe(1);

    await router.closeJob('j', assignmentId, { note: 'wrapped up', dispositionCode: 'Resolved' });
    const closed = await router.getJob('j');
    expect(closed).toMatchObject({ status: 'closed', dispositionCode: 'Resolved' });
    expect(closed.notes.map((note) => note.message)).toEqual(['done', 'wrapped up']);
    expect(closed.assignments[assignmentId]).toMatchObject({ workerId: 'w' });
    expect(closed.assignments[assignmentId]?.closedAt).toBeDefined();
    const worker = await router.getWorker('w');
    expect(worker.loadRatio).toBe(0);
    expect(worker.assignedJobs).toEqual([]);

    expect(events.map((event) => event.type)).toEqual([
      'RouterWorkerRegistered',
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterWorkerOfferIssued',
      'RouterWorkerOfferAccepted',
      'RouterJobCompleted',
      'RouterJobClosed',
    ]);
  });
});
