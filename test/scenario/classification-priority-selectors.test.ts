import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { offeredJobs, registerWorker } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

async function setupQueue(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { distributionPolicyId: 'dp' });
}

async function classifyWith(router: Router, policy: Record<string, unknown>, labels: Record<string, unknown> = {}) {
  await router.upsertClassificationPolicy('cp', { fallbackQueueId: 'q', ...policy });
  await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels });
  return router.getJob('j');
}

describe('classification: priority', () => {
  it('a static prioritization rule of 10 sets the priority', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    const job = await classifyWith(router, { prioritizationRule: { kind: 'static', value: 10 } });
    expect(job).toMatchObject({ status: 'queued', priority: 10 });
    expect(eventsOf('RouterJobClassified')[0]!.data['priority']).toBe(10);
    expect(eventsOf('RouterJobQueued')[0]!.data['priority']).toBe(10);
  });

  it('an expression rule computes the priority from the labels', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const job = await classifyWith(router, { prioritizationRule: { kind: 'expression', expression: 'If(job.Escalated = true, 10, 1)' } }, { Escalated: true });
    expect(job.priority).toBe(10);
  });

  it('a priority beyond ±100 is clamped to the range', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const job = await classifyWith(router, { prioritizationRule: { kind: 'expression', expression: 'job.Urgency * 50' } }, { Urgency: 3 });
    expect(job.priority).toBe(100);
  });

  it('without a prioritization rule the job keeps its own priority', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await router.upsertClassificationPolicy('cp', { fallbackQueueId: 'q' });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', priority: 4 });
    expect((await router.getJob('j')).priority).toBe(4);
  });
});

describe('classification: attached worker selectors', () => {
  it('static, conditional and pass-through attachments add to attachedWorkerSelectors; requested ones are untouched', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'q',
      workerSelectorAttachments: [
        { kind: 'static', workerSelector: { key: 'Skill', labelOperator: 'equal', value: 'billing' } },
        {
          kind: 'conditional',
          condition: { kind: 'expression', expression: 'job.Vip = true' },
          workerSelectors: [{ key: 'Level', labelOperator: 'greaterThanOrEqual', value: 3 }],
        },
        {
          kind: 'conditional',
          condition: { kind: 'expression', expression: 'job.Vip = false' },
          workerSelectors: [{ key: 'Never', labelOperator: 'equal', value: true }],
        },
        { kind: 'passThrough', key: 'Language', labelOperator: 'equal' },
        // The job has no `Absent` label, so this attaches nothing.
        { kind: 'passThrough', key: 'Absent', labelOperator: 'equal' },
      ],
    });
    await router.upsertJob('j', {
      channelId: 'voice',
      classificationPolicyId: 'cp',
      labels: { Vip: true, Language: 'fr' },
      requestedWorkerSelectors: [{ key: 'Region', labelOperator: 'equal', value: 'EU' }],
    });
    const job = await router.getJob('j');
    expect(job.status).toBe('queued');
    expect(job.requestedWorkerSelectors).toEqual([{ key: 'Region', labelOperator: 'equal', value: 'EU', status: 'active' }]);
    expect(job.attachedWorkerSelectors).toEqual([
      { key: 'Skill', labelOperator: 'equal', value: 'billing', status: 'active' },
      { key: 'Level', labelOperator: 'greaterThanOrEqual', value: 3, status: 'active' },
      { key: 'Language', labelOperator: 'equal', value: 'fr', status: 'active' },
    ]);
    expect(eventsOf('RouterJobClassified')[0]!.data['attachedWorkerSelectors']).toEqual([
      expect.objectContaining({ key: 'Skill', labelOperator: 'Equal', labelValue: 'billing', state: 'active' }),
      expect.objectContaining({ key: 'Level', labelOperator: 'GreaterThanOrEqual', labelValue: 3 }),
      expect.objectContaining({ key: 'Language', labelOperator: 'Equal', labelValue: 'fr' }),
    ]);
  });

  it('attached selectors constrain matching: only a worker satisfying them is offered the job', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'novice', { labels: { Skill: 'billing', Level: 1 } });
    await registerWorker(router, 'expert', { labels: { Skill: 'billing', Level: 5 } });
    await classifyWith(
      router,
      {
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'Skill', labelOperator: 'equal', value: 'billing' } },
          { kind: 'passThrough', key: 'Level', labelOperator: 'greaterThanOrEqual' },
        ],
      },
      { Level: 3 },
    );
    expect(await offeredJobs(router, 'expert')).toEqual(['j']);
    expect(await offeredJobs(router, 'novice')).toEqual([]);
  });

  it('a ruleEngine attachment with directMap turns every job label into an equal selector', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const job = await classifyWith(router, { workerSelectorAttachments: [{ kind: 'ruleEngine', rule: { kind: 'directMap' } }] }, { Lang: 'de', Tier: 2 });
    expect(job.attachedWorkerSelectors).toEqual([
      { key: 'Lang', labelOperator: 'equal', value: 'de', status: 'active' },
      { key: 'Tier', labelOperator: 'equal', value: 2, status: 'active' },
    ]);
  });

  it('an attached selector with expiresAfterSeconds is stamped active with its expiry time', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const job = await classifyWith(router, {
      workerSelectorAttachments: [{ kind: 'passThrough', key: 'Language', labelOperator: 'equal', expiresAfterSeconds: 30 }],
    }, { Language: 'en' });
    expect(job.attachedWorkerSelectors).toEqual([
      { key: 'Language', labelOperator: 'equal', value: 'en', expiresAfterSeconds: 30, status: 'active', expiresAt: new Date(T0 + 30_000).toISOString() },
    ]);
  });

  it('a weighted allocation attaches exactly one allocation, drawn with the injected random source', async () => {
    const draws = [0.1, 0.95];
    const { router } = await openTestRouter({ random: () => draws.shift() ?? 0 });
    await setupQueue(router);
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'q',
      workerSelectorAttachments: [
        {
          kind: 'weightedAllocation',
          allocations: [
            { weight: 0.3, workerSelectors: [{ key: 'Pool', labelOperator: 'equal', value: 'A' }] },
            { weight: 0.7, workerSelectors: [{ key: 'Pool', labelOperator: 'equal', value: 'B' }] },
          ],
        },
      ],
    });
    await router.upsertJob('first', { channelId: 'voice', classificationPolicyId: 'cp' });
    await router.upsertJob('second', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect((await router.getJob('first')).attachedWorkerSelectors).toEqual([{ key: 'Pool', labelOperator: 'equal', value: 'A', status: 'active' }]);
    expect((await router.getJob('second')).attachedWorkerSelectors).toEqual([{ key: 'Pool', labelOperator: 'equal', value: 'B', status: 'active' }]);
  });
});
