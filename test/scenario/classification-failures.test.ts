import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

async function setupQueue(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { distributionPolicyId: 'dp' });
}

/** Saves policy `cp`, creates job `j` with it and returns the job as classification left it. */
async function classify(router: Router, policy: Record<string, unknown>, labels: Record<string, unknown> = {}) {
  await router.upsertClassificationPolicy('cp', policy);
  await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels });
  return router.getJob('j');
}

describe('classification failures', () => {
  it('no matching queue and no fallback: classificationFailed with RouterJobClassificationFailed and its errors', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    const job = await classify(router, { queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'nope' } }] });
    expect(job.status).toBe('classificationFailed');
    expect(job.queueId).toBeUndefined();
    expect(eventsOf('RouterJobQueued')).toEqual([]);
    const [failed] = eventsOf('RouterJobClassificationFailed');
    expect(failed).toMatchObject({
      subject: 'job/j/channel/voice/classificationpolicy/cp',
      data: { jobId: 'j', classificationPolicyId: 'cp', errors: [{ code: 'QueueNotFound', target: 'queueSelectorAttachments' }] },
    });
  });

  it('a prioritization rule that gives no whole number fails classification', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    const job = await classify(router, { fallbackQueueId: 'q', prioritizationRule: { kind: 'expression', expression: 'job.Tier & "x"' } }, { Tier: 1 });
    expect(job.status).toBe('classificationFailed');
    expect(eventsOf('RouterJobClassificationFailed')[0]!.data['errors']).toEqual([
      expect.objectContaining({ code: 'InvalidRuleResult', target: 'prioritizationRule', message: expect.stringContaining('"1x"') }),
    ]);
  });

  it('a rule that fails at run time reports the evaluator\'s error, and every failing part is listed', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router);
    const job = await classify(router, {
      fallbackQueueId: 'q',
      prioritizationRule: { kind: 'expression', expression: '10 / job.Zero' },
      workerSelectorAttachments: [
        { kind: 'conditional', condition: { kind: 'static', value: 3 }, workerSelectors: [] },
        { kind: 'ruleEngine', rule: { kind: 'static', value: 'not selectors' } },
      ],
    });
    expect(job.status).toBe('classificationFailed');
    expect(eventsOf('RouterJobClassificationFailed')[0]!.data['errors']).toEqual([
      expect.objectContaining({ code: 'ExpressionFailed', target: 'prioritizationRule' }),
      expect.objectContaining({ code: 'InvalidRuleResult', target: 'workerSelectorAttachments.0.condition' }),
      expect.objectContaining({ code: 'InvalidRuleResult', target: 'workerSelectorAttachments.1.rule' }),
    ]);
  });

  it('a failed job can be classified again once the policy is fixed', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await classify(router, {});
    expect((await router.getJob('j')).status).toBe('classificationFailed');
    await router.upsertClassificationPolicy('cp', { fallbackQueueId: 'q' });
    await router.reclassifyJob('j');
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'q' });
  });

  it('reclassifyJob is refused for a job without a classification policy, an assigned one, and an unknown one', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await router.upsertJob('direct', { channelId: 'voice', queueId: 'q' });
    await expectRefusal(router.reclassifyJob('direct'), 'InvalidJobState');
    await expectRefusal(router.reclassifyJob('missing'), 'NotFound');
    await router.upsertClassificationPolicy('cp', { fallbackQueueId: 'q' });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    await router.cancelJob('j');
    await expectRefusal(router.reclassifyJob('j'), 'InvalidJobState');
  });
});

describe('classification policy validation', () => {
  it('refuses weights that do not add up to 1', async () => {
    const { router } = await openTestRouter();
    const error = await expectRefusal(
      router.upsertClassificationPolicy('cp', {
        workerSelectorAttachments: [
          {
            kind: 'weightedAllocation',
            allocations: [
              { weight: 0.3, workerSelectors: [] },
              { weight: 0.3, workerSelectors: [] },
            ],
          },
        ],
      }),
      'InvalidRequest',
    );
    expect(error.target).toBe('workerSelectorAttachments.0.allocations');
  });

  it('accepts weights whose binary sum is not exactly 1 (0.1 + 0.2 + 0.7)', async () => {
    const { router } = await openTestRouter();
    const weights = [0.1, 0.2, 0.7].map((weight) => ({ weight, queueSelectors: [] }));
    const saved = await router.upsertClassificationPolicy('cp', { queueSelectorAttachments: [{ kind: 'weightedAllocation', allocations: weights }] });
    expect(saved.created).toBe(true);
  });
});
