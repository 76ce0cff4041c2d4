import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { createJob, registerWorker, offeredJobs } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** Queues `main` (with exception policy `ep`, once saved) and `backup`, both under policy `dp`. */
async function setupOverflow(router: Router, rules: unknown[]): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('backup', { distributionPolicyId: 'dp' });
  await router.upsertExceptionPolicy('ep', { exceptionRules: rules });
  await router.upsertQueue('main', { distributionPolicyId: 'dp', exceptionPolicyId: 'ep' });
}

/** Azure's overflow sample: more than ten jobs waiting moves the newcomer to a backup queue. */
const overflowRule = {
  id: 'overflow',
  trigger: { kind: 'queueLength', threshold: 10 },
  actions: [
    {
      kind: 'manualReclassify',
      queueId: 'backup',
      priority: 10,
      workerSelectors: [{ key: 'Escalated', labelOperator: 'equal', value: true }],
    },
  ],
};

describe('exception policies: queue length', () => {
  it('the overflow sample: with ten jobs ahead, the 11th moves to the backup queue with priority 10 and an extra selector', async () => {
    const { router, events, eventsOf } = await openTestRouter();
    await setupOverflow(router, [overflowRule]);
    for (let i = 1; i <= 10; i++) await createJob(router, `j${i}`, { queueId: 'main' });
    expect(eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    expect((await router.getQueueStatistics('main')).length).toBe(10);

    await createJob(router, 'j11', { queueId: 'main', requestedWorkerSelectors: [{ key: 'Lang', labelOperator: 'equal', value: 'en' }] });
    const job = await router.getJob('j11');
    expect(job).toMatchObject({ status: 'queued', queueId: 'backup', priority: 10 });
    expect(job.requestedWorkerSelectors).toEqual([
      { key: 'Lang', labelOperator: 'equal', value: 'en', status: 'active' },
      { key: 'Escalated', labelOperator: 'equal', value: true, status: 'active' },
    ]);
    expect((await router.getQueueStatistics('main')).length).toBe(10);
    expect((await router.getQueueStatistics('backup')).length).toBe(1);

    const ofJob = events.filter((event) => event.data['jobId'] === 'j11');
    expect(ofJob.map((event) => [event.type, event.data['queueId']])).toEqual([
      ['RouterJobReceived', 'main'],
      ['RouterJobQueued', 'main'],
      ['RouterJobExceptionTriggered', 'main'],
      ['RouterJobQueued', 'backup'],
    ]);
    expect(ofJob[2]).toMatchObject({
      subject: 'job/j11/channel/voice/exceptionrule/overflow',
      data: { ruleKey: 'overflow', exceptionRuleId: 'overflow' },
    });
    expect(ofJob[3]!.data).toMatchObject({ priority: 10, requestedWorkerSelectors: [expect.anything(), expect.objectContaining({ key: 'Escalated' })] });
  });

  it('the moved job is offered to the backup queue\'s workers that satisfy the extra selector', async () => {
    const { router } = await openTestRouter();
    await setupOverflow(router, [overflowRule]);
    await registerWorker(router, 'plain', { queues: ['backup'] });
    await registerWorker(router, 'escalations', { queues: ['backup'], labels: { Escalated: true } });
    for (let i = 1; i <= 11; i++) await createJob(router, `j${i}`, { queueId: 'main' });
    expect(await offeredJobs(router, 'escalations')).toEqual(['j11']);
    expect(await offeredJobs(router, 'plain')).toEqual([]);
  });

  it('counts only the jobs ahead in dispatch order: a job that goes to the front does not trigger', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupOverflow(router, [overflowRule]);
    for (let i = 1; i <= 10; i++) await createJob(router, `j${i}`, { queueId: 'main' });
    await createJob(router, 'urgent', { queueId: 'main', priority: 50 });
    expect(eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    expect((await router.getJob('urgent')).queueId).toBe('main');
  });

  it('an action that leaves the job in the same queue does not make the rule fire again', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupOverflow(router, [
      { id: 'bump', trigger: { kind: 'queueLength', threshold: 2 }, actions: [{ kind: 'manualReclassify', workerSelectors: [{ key: 'Any', labelOperator: 'notEqual', value: 'x' }] }] },
    ]);
    for (const id of ['a', 'b', 'c']) await createJob(router, id, { queueId: 'main' });
    expect(eventsOf('RouterJobExceptionTriggered').map((event) => event.data['jobId'])).toEqual(['c']);
    expect(await router.getJob('c')).toMatchObject({ status: 'queued', queueId: 'main' });
    expect((await router.getJob('c')).requestedWorkerSelectors).toHaveLength(1);
  });

  it('the cancel action cancels the arriving job with the action\'s note and disposition code', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupOverflow(router, [
      {
        id: 'full',
        trigger: { kind: 'queueLength', threshold: 1 },
        actions: [
          { kind: 'cancel', note: 'queue full', dispositionCode: 'Overflow' },
          { kind: 'manualReclassify', queueId: 'backup' },
        ],
      },
    ]);
    await createJob(router, 'first', { queueId: 'main' });
    await createJob(router, 'second', { queueId: 'main' });
    const job = await router.getJob('second');
    expect(job).toMatchObject({ status: 'cancelled', queueId: 'main', dispositionCode: 'Overflow' });
    expect(job.notes.map((note) => note.message)).toEqual(['queue full']);
    expect(eventsOf('RouterJobCancelled')).toMatchObject([{ data: { jobId: 'second', note: 'queue full', dispositionCode: 'Overflow' } }]);
    expect((await router.getQueueStatistics('main')).length).toBe(1);
    expect((await router.getQueueStatistics('backup')).length).toBe(0);
  });
});
