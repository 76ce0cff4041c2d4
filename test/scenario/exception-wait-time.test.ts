import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { acceptOnlyOffer, createJob, offeredJobs, registerWorker } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';
import { restartStores } from '../support/restart-stores.ts';

const MINUTE = 60_000;

/**
 * Azure's escalation sample: jobs classified into `xbox` are escalated after five minutes by re-classifying them with
 * `Escalated: true`, which sends them to `xbox-escalation` at priority 10.
 */
async function setupEscalation(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('xbox', { distributionPolicyId: 'dp' });
  await router.upsertQueue('xbox-escalation', { distributionPolicyId: 'dp' });
  await router.upsertClassificationPolicy('cp', {
    prioritizationRule: { kind: 'expression', expression: 'If(job.Escalated = true, 10, 1)' },
    queueSelectorAttachments: [
      { kind: 'conditional', condition: { kind: 'expression', expression: 'job.Escalated = true' }, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'xbox-escalation' }] },
      { kind: 'conditional', condition: { kind: 'expression', expression: 'Not(job.Escalated = true)' }, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'xbox' }] },
    ],
  });
  await router.upsertExceptionPolicy('escalation', {
    exceptionRules: [
      {
        id: 'after-5-minutes',
        trigger: { kind: 'waitTime', thresholdSeconds: 300 },
        actions: [{ kind: 'reclassify', classificationPolicyId: 'cp', labelsToUpsert: { Escalated: true } }],
      },
    ],
  });
  await router.upsertQueue('xbox', { exceptionPolicyId: 'escalation' });
}

describe('exception policies: wait time', () => {
  it('the escalation sample: after five minutes in the queue the job is re-classified into the escalation queue at priority 10', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupEscalation(router);
    await registerWorker(router, 'senior', { queues: ['xbox-escalation'] });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Product: 'Xbox' } });
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'xbox', priority: 1 });

    await advance(5 * MINUTE - 1);
    expect(eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    await advance(1);
    expect(eventsOf('RouterJobExceptionTriggered')).toMatchObject([{ data: { jobId: 'j', ruleKey: 'after-5-minutes', queueId: 'xbox' } }]);
    expect(await router.getJob('j')).toMatchObject({
      status: 'queued',
      queueId: 'xbox-escalation',
      priority: 10,
      labels: { Product: 'Xbox', Escalated: true },
    });
    expect(await offeredJobs(router, 'senior')).toEqual(['j']);
    // Fired once: nothing more happens however long the job then waits.
    await advance(30 * MINUTE);
    expect(eventsOf('RouterJobExceptionTriggered')).toHaveLength(1);
  });

  it('a job assigned before the threshold never triggers', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupEscalation(router);
    await registerWorker(router, 'agent', { queues: ['xbox'] });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    await acceptOnlyOffer(router, 'agent');
    await advance(10 * MINUTE);
    expect(eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    expect((await router.getJob('j')).status).toBe('assigned');
  });

  it('counts from when the job entered the queue, across re-classifications that keep it there', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupEscalation(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Note: 'a' } });
    await advance(4 * MINUTE);
    // A relabel re-classifies the job back into the same queue: the stay, and its clock, continue.
    await router.upsertJob('j', { labels: { Note: 'b' } });
    expect((await router.getJob('j')).queueId).toBe('xbox');
    await advance(MINUTE);
    expect(eventsOf('RouterJobExceptionTriggered')).toHaveLength(1);
  });

  it('the cancel action on a wait time cancels the job and revokes its offers', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
    await router.upsertExceptionPolicy('ep', {
      exceptionRules: [{ id: 'abandon', trigger: { kind: 'waitTime', thresholdSeconds: 30 }, actions: [{ kind: 'cancel', dispositionCode: 'TimedOut' }] }],
    });
    await router.upsertQueue('q', { distributionPolicyId: 'dp', exceptionPolicyId: 'ep' });
    await registerWorker(router, 'slow');
    await createJob(router, 'j');
    expect(await offeredJobs(router, 'slow')).toEqual(['j']);
    await advance(30_000);
    expect(await router.getJob('j')).toMatchObject({ status: 'cancelled', dispositionCode: 'TimedOut' });
    expect(eventsOf('RouterWorkerOfferRevoked')).toHaveLength(1);
    expect((await router.getWorker('slow')).loadRatio).toBe(0);
  });

  it('a policy attached to a queue with jobs already waiting applies to them, counted from when they were queued', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q', { distributionPolicyId: 'dp' });
    await router.upsertQueue('later', { distributionPolicyId: 'dp' });
    await createJob(router, 'j');
    await advance(20_000);
    await router.upsertExceptionPolicy('ep', {
      exceptionRules: [{ id: 'move', trigger: { kind: 'waitTime', thresholdSeconds: 30 }, actions: [{ kind: 'manualReclassify', queueId: 'later' }] }],
    });
    await router.upsertQueue('q', { exceptionPolicyId: 'ep' });
    await advance(9_999);
    expect(eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    await advance(1);
    expect((await router.getJob('j')).queueId).toBe('later');
  });

  it.each(restartStores)('a wait time still fires after the router restarts on the same store ($name)', async (kind) => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    await setupEscalation(first.router);
    await first.router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    await first.advance(2 * MINUTE);
    await first.router.close();

    const second = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
    await second.advance(3 * MINUTE - 1);
    expect(second.eventsOf('RouterJobExceptionTriggered')).toEqual([]);
    await second.advance(1);
    expect(second.eventsOf('RouterJobExceptionTriggered')).toHaveLength(1);
    expect(await second.router.getJob('j')).toMatchObject({ queueId: 'xbox-escalation', priority: 10 });
  });
});
