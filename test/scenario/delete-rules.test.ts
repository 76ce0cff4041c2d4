import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('what may be deleted', () => {
  it('a queue with an active job is in use (QueueInUse, 409); once the job is finished and the queue empty, it goes', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j');
    const refusal = await expectRefusal(router.deleteQueue('q'), 'QueueInUse');
    expect(refusal.status).toBe(409);
    expect(await router.getQueue('q')).toMatchObject({ id: 'q' });
    await router.cancelJob('j');
    await router.deleteQueue('q');
    await expectRefusal(router.getQueue('q'), 'NotFound');
  });

  it('a queue a worker listens on is in use', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { available: false });
    await expectRefusal(router.deleteQueue('q'), 'QueueInUse');
    await router.upsertWorker('w', { queues: [] });
    await router.deleteQueue('q');
  });

  it('a distribution policy a queue uses cannot be deleted (QueueExistsWithDistributionPolicy, 400)', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const refusal = await expectRefusal(router.deleteDistributionPolicy('dp'), 'QueueExistsWithDistributionPolicy');
    expect(refusal.status).toBe(400);
    expect(await router.getDistributionPolicy('dp')).toMatchObject({ id: 'dp' });
    await router.deleteQueue('q');
    await router.deleteDistributionPolicy('dp');
    await expectRefusal(router.getDistributionPolicy('dp'), 'NotFound');
  });

  it('a job that is not closed or cancelled cannot be deleted (JobNotTerminal); a finished one can, with RouterJobDeleted', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    await expectRefusal(router.deleteJob('j'), 'JobNotTerminal');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    await expectRefusal(router.deleteJob('j'), 'JobNotTerminal');
    await router.completeJob('j', assignmentId);
    await expectRefusal(router.deleteJob('j'), 'JobNotTerminal');
    expect((await router.getJob('j')).status).toBe('completed');
    await router.closeJob('j', assignmentId);
    await router.deleteJob('j');
    await expectRefusal(router.getJob('j'), 'NotFound');
    expect(eventsOf('RouterJobDeleted').map((event) => event.data['jobId'])).toEqual(['j']);
    expect((await router.listJobs()).value).toEqual([]);
  });

  it('a worker with an assigned job cannot be deleted; without one it can, and its offers are revoked', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'j1');
    const { assignmentId } = await acceptOnlyOffer(router, 'w');
    await createJob(router, 'j2');
    await expectRefusal(router.deleteWorker('w'), 'WorkerHasAssignedJobs');
    await router.closeJob('j1', assignmentId);
    await router.deleteWorker('w');
    await expectRefusal(router.getWorker('w'), 'NotFound');
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['jobId'])).toEqual(['j2']);
    expect(eventsOf('RouterWorkerDeleted').map((event) => event.data['workerId'])).toEqual(['w']);
    expect((await router.getJob('j2')).status).toBe('queued');
  });
});

describe('regression: administration refusals', () => {
  it('reject the returned promise instead of throwing at the call, like every other operation', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    let pending: Promise<unknown> | undefined;
    expect(() => (pending = router.deleteDistributionPolicy('dp'))).not.toThrow();
    await expectRefusal(pending!, 'QueueExistsWithDistributionPolicy');
    expect(() => (pending = router.upsertQueue('q2', { distributionPolicyId: 'missing' }))).not.toThrow();
    await expectRefusal(pending!, 'ReferenceNotFound');
  });
});
