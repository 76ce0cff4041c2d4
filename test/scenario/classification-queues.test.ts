import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { offeredJobs, registerWorker } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** A distribution policy `dp` and queues with the given labels (each also gets its implicit `Id`). */
async function setupQueues(router: Router, queues: Record<string, Record<string, string | number | boolean>>): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  for (const [queueId, labels] of Object.entries(queues)) await router.upsertQueue(queueId, { distributionPolicyId: 'dp', labels });
}

const idSelector = (queueId: string) => ({ key: 'Id', labelOperator: 'equal', value: queueId });

describe('classification: choosing the queue', () => {
  it('a static Id queue selector sends the job to that queue: pendingClassification, then classified and queued', async () => {
    const { router, events } = await openTestRouter();
    await setupQueues(router, { main: { Team: 'sales' }, other: {} });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [{ kind: 'static', queueSelector: idSelector('main') }],
    });
    const created = await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect(created.resource.status).toBe('pendingClassification');
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'main' });

    const ofJob = events.filter((event) => event.data['jobId'] === 'j');
    expect(ofJob.map((event) => event.type)).toEqual(['RouterJobReceived', 'RouterJobClassified', 'RouterJobQueued']);
    expect(ofJob[0]!.data).toMatchObject({ jobStatus: 'PendingClassification', classificationPolicyId: 'cp' });
    expect(ofJob[1]).toMatchObject({
      subject: 'job/j/channel/voice/classificationpolicy/cp',
      data: { queueDetails: { id: 'main', labels: { Team: 'sales', Id: 'main' } }, classificationPolicyId: 'cp', priority: 1 },
    });
  });

  it('falls back to fallbackQueueId when the selectors match no queue', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { main: {}, fallback: {} });
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'fallback',
      queueSelectorAttachments: [{ kind: 'static', queueSelector: idSelector('no-such-queue') }],
    });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fallback' });
  });

  it('a conditional attachment on If(job.Product = "O365", true, false) picks the queue only for matching jobs', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { o365: {}, general: {} });
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'general',
      queueSelectorAttachments: [
        {
          kind: 'conditional',
          condition: { kind: 'expression', expression: 'If(job.Product = "O365", true, false)' },
          queueSelectors: [idSelector('o365')],
        },
      ],
    });
    await router.upsertJob('a', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Product: 'O365' } });
    await router.upsertJob('b', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Product: 'Xbox' } });
    await router.upsertJob('c', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect((await router.getJob('a')).queueId).toBe('o365');
    expect((await router.getJob('b')).queueId).toBe('general');
    expect((await router.getJob('c')).queueId).toBe('general');
  });

  it('pass-through of Region, Language and Product finds the queue labelled with the same values', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, {
      'na-en-o365': { Region: 'NA', Language: 'en', Product: 'O365' },
      'eu-fr-o365': { Region: 'EU', Language: 'fr', Product: 'O365' },
      'eu-fr-xbox': { Region: 'EU', Language: 'fr', Product: 'Xbox' },
    });
    const passThrough = (key: string) => ({ kind: 'passThrough', key, labelOperator: 'equal' });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [passThrough('Region'), passThrough('Language'), passThrough('Product')],
    });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Region: 'EU', Language: 'fr', Product: 'Xbox' } });
    expect((await router.getJob('j')).queueId).toBe('eu-fr-xbox');
  });

  it('English and French jobs are split by two conditionals on job.Lang plus a shared static selector', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, {
      'p-en': { UniquePrefix: 'p', Lang: 'EN' },
      'p-fr': { UniquePrefix: 'p', Lang: 'FR' },
      'other-en': { UniquePrefix: 'other', Lang: 'EN' },
    });
    const byLang = (lang: string) => ({
      kind: 'conditional',
      condition: { kind: 'expression', expression: `job.Lang = "${lang}"` },
      queueSelectors: [{ key: 'Lang', labelOperator: 'equal', value: lang }],
    });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [
        { kind: 'static', queueSelector: { key: 'UniquePrefix', labelOperator: 'equal', value: 'p' } },
        byLang('EN'),
        byLang('FR'),
      ],
    });
    await router.upsertJob('en', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'EN' } });
    await router.upsertJob('fr', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'FR' } });
    expect((await router.getJob('en')).queueId).toBe('p-en');
    expect((await router.getJob('fr')).queueId).toBe('p-fr');
  });

  it('a queue set on the job wins over the selectors and the fallback', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { chosen: {}, selected: {}, fallback: {} });
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'fallback',
      queueSelectorAttachments: [{ kind: 'static', queueSelector: idSelector('selected') }],
      prioritizationRule: { kind: 'static', value: 7 },
    });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', queueId: 'chosen' });
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'chosen', priority: 7 });
  });

  it('a ruleEngine attachment with a directMap rule selects the queue from the job labels', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { a: { Tier: 'gold' }, b: { Tier: 'silver' } });
    await router.upsertClassificationPolicy('cp', { queueSelectorAttachments: [{ kind: 'ruleEngine', rule: { kind: 'directMap' } }] });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Tier: 'silver' } });
    expect((await router.getJob('j')).queueId).toBe('b');
  });

  it('when several queues satisfy the selectors, the first by id is chosen, whatever the creation order', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { zeta: { Skill: 'x' }, alpha: { Skill: 'x' } });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Skill', labelOperator: 'equal', value: 'x' } }],
    });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect((await router.getJob('j')).queueId).toBe('alpha');
  });

  it('a classified job is offered to the workers of the queue it was classified into', async () => {
    const { router } = await openTestRouter();
    await setupQueues(router, { main: {} });
    await registerWorker(router, 'w', { queues: ['main'] });
    await router.upsertClassificationPolicy('cp', { queueSelectorAttachments: [{ kind: 'static', queueSelector: idSelector('main') }] });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    expect(await offeredJobs(router, 'w')).toEqual(['j']);
  });
});
