import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('unassigning a job', () => {
  it('re-queues the job and offers it to the same worker again, who can accept it', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const first = await acceptOnlyOffer(router, 'w');

    const result = await router.unassignJob('j', first.assignmentId);
    expect(result).toEqual({ jobId: 'j', unassignmentCount: 1 });
    expect(eventsOf('RouterJobUnassigned')).toMatchObject([{ data: { jobId: 'j', assignmentId: first.assignmentId, workerId: 'w' } }]);
    expect((await router.getJob('j')).status).toBe('queued');
    expect((await router.getWorker('w')).assignedJobs).toEqual([]);

    const second = await acceptOnlyOffer(router, 'w');
    expect(second.assignmentId).not.toBe(first.assignmentId);
    expect((await router.getJob('j')).status).toBe('assigned');
    // The old assignment is no longer in force.
    await expectRefusal(router.completeJob('j', first.assignmentId), 'AssignmentNotFound');
  });

  it('with suspendMatching: the job waits for activation and is not offered', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');

    await router.unassignJob('j', assignmentId, { suspendMatching: true });
    const job = await router.getJob('j');
    expect(job.status).toBe('waitingForActivation');
    expect(job.matchingMode).toEqual({ kind: 'suspend' });
    expect(eventsOf('RouterJobWaitingForActivation').map((event) => event.data['jobId'])).toEqual(['j']);
    const worker = await router.getWorker('w');
    expect(worker).toMatchObject({ offers: [], assignedJobs: [], loadRatio: 0 });
  });

  it('regression: a job unassigned with suspendMatching is activated again by switching it to queueAndMatch', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    await router.unassignJob('j', assignmentId, { suspendMatching: true });

    const activated = await router.upsertJob('j', { matchingMode: { kind: 'queueAndMatch' } });
    expect(activated.resource.status).toBe('queued');
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });

  it('refuses a fourth unassign with UnassignLimitReached, leaving the job assigned', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    let assignment = await acceptOnlyOffer(router, 'w');
    for (const count of [1, 2, 3]) {
      expect(await router.unassignJob('j', assignment.assignmentId)).toEqual({ jobId: 'j', unassignmentCount: count });
      assignment = await acceptOnlyOffer(router, 'w');
    }
    await expectRefusal(router.unassignJob('j', assignment.assignmentId), 'UnassignLimitReached');
    expect((await router.getJob('j')).status).toBe('assigned');
    expect((await router.getWorker('w')).assignedJobs.map((held) => held.assignmentId)).toEqual([assignment.assignmentId]);
  });
});
