import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import type { RuleEvaluator } from '../../src/rules/rule-evaluator.ts';
import { offeredJobs, registerWorker } from '../support/builders.ts';
import { deferredRules } from '../support/deferred-rules.ts';
import { openTestRouter, settle, T0 } from '../support/router-fixture.ts';

async function setupLanguages(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('en', { distributionPolicyId: 'dp', labels: { Lang: 'en' } });
  await router.upsertQueue('fr', { distributionPolicyId: 'dp', labels: { Lang: 'fr' } });
  await router.upsertClassificationPolicy('cp', {
    prioritizationRule: { kind: 'expression', expression: 'If(job.Lang = "fr", 5, 1)' },
    queueSelectorAttachments: [{ kind: 'ruleEngine', rule: { kind: 'directMap' } }],
  });
}

describe('classification with rules that answer later', () => {
  it('the job waits in pendingClassification until the rules answer, then is classified and queued in a later commit', async () => {
    const rules = deferredRules();
    const { router, eventsOf } = await openTestRouter({ ruleEvaluator: rules.evaluator });
    await setupLanguages(router);
    await registerWorker(router, 'w', { queues: ['fr'] });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'fr' } });
    expect((await router.getJob('j')).status).toBe('pendingClassification');
    expect(rules.pending()).toBe(2);
    expect(eventsOf('RouterJobClassified')).toEqual([]);

    await rules.release();
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fr', priority: 5 });
    expect(eventsOf('RouterJobClassified', 'RouterJobQueued').map((event) => event.type)).toEqual(['RouterJobClassified', 'RouterJobQueued']);
    expect(await offeredJobs(router, 'w')).toEqual(['j']);
  });

  it('a result that arrives after the job was cancelled is dropped', async () => {
    const rules = deferredRules();
    const { router, eventsOf } = await openTestRouter({ ruleEvaluator: rules.evaluator });
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'fr' } });
    await router.cancelJob('j');
    await rules.release();
    expect(await router.getJob('j')).toMatchObject({ status: 'cancelled' });
    expect((await router.getJob('j')).queueId).toBeUndefined();
    expect(eventsOf('RouterJobClassified', 'RouterJobQueued', 'RouterJobClassificationFailed')).toEqual([]);
  });

  it('a result for labels that changed meanwhile is dropped; the run for the new labels decides', async () => {
    const rules = deferredRules();
    const { router, eventsOf } = await openTestRouter({ ruleEvaluator: rules.evaluator });
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en' } });
    const relabelled = await router.upsertJob('j', { labels: { Lang: 'fr' } });
    expect(relabelled.resource.status).toBe('pendingClassification');
    expect(rules.pending()).toBe(4);

    await rules.release();
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fr', priority: 5 });
    expect(eventsOf('RouterJobClassified')).toHaveLength(1);
    expect(eventsOf('RouterJobQueued')).toHaveLength(1);
  });

  it('a rule that fails after a while fails classification cleanly', async () => {
    const failing: RuleEvaluator = {
      evaluate: () => Promise.resolve({ ok: false, error: { code: 'RuleHttpStatus', message: 'the function answered 500' } }),
    };
    const { router, eventsOf } = await openTestRouter({ ruleEvaluator: failing });
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'fr' } });
    for (let turn = 0; turn < 3; turn++) await settle();
    expect((await router.getJob('j')).status).toBe('classificationFailed');
    expect(eventsOf('RouterJobClassificationFailed')[0]!.data['errors']).toEqual([
      { code: 'RuleHttpStatus', message: 'the function answered 500', target: 'prioritizationRule' },
      { code: 'RuleHttpStatus', message: 'the function answered 500', target: 'queueSelectorAttachments.0.rule' },
    ]);
  });

  it('an evaluator promise that rejects (a faulty port) fails classification instead of leaving the job pending', async () => {
    const faulty: RuleEvaluator = { evaluate: () => Promise.reject(new Error('port broke')) };
    const { router } = await openTestRouter({ ruleEvaluator: faulty });
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'fr' } });
    for (let turn = 0; turn < 3; turn++) await settle();
    expect((await router.getJob('j')).status).toBe('classificationFailed');
  });
});

describe('classification and matching modes', () => {
  it('a classified scheduleAndSuspend job is scheduled once its queue is known', async () => {
    const { router, advance } = await openTestRouter();
    await setupLanguages(router);
    const scheduleAt = new Date(T0 + 60_000).toISOString();
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en' }, matchingMode: { kind: 'scheduleAndSuspend', scheduleAt } });
    expect(await router.getJob('j')).toMatchObject({ status: 'scheduled', queueId: 'en' });
    await advance(60_000);
    expect(await router.getJob('j')).toMatchObject({ status: 'waitingForActivation', scheduledAt: scheduleAt });
  });

  it('a classified suspend job waits for activation, and activation queues it in the classified queue', async () => {
    const { router } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'fr' }, matchingMode: { kind: 'suspend' } });
    expect(await router.getJob('j')).toMatchObject({ status: 'waitingForActivation', queueId: 'fr' });
    const activated = await router.upsertJob('j', { matchingMode: { kind: 'queueAndMatch' } });
    expect(activated.resource).toMatchObject({ status: 'queued', queueId: 'fr' });
  });
});
