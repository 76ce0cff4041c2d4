import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { offeredJobs, onlyOffer, registerWorker } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** Queues `en` and `fr` labelled by `Lang`, a worker on each, and policy `cp` passing `Lang` through. */
async function setupLanguages(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
  await router.upsertQueue('en', { distributionPolicyId: 'dp', labels: { Lang: 'en' } });
  await router.upsertQueue('fr', { distributionPolicyId: 'dp', labels: { Lang: 'fr' } });
  await registerWorker(router, 'w-en', { queues: ['en'] });
  await registerWorker(router, 'w-fr', { queues: ['fr'] });
  await router.upsertClassificationPolicy('cp', {
    queueSelectorAttachments: [{ kind: 'passThrough', key: 'Lang', labelOperator: 'equal' }],
  });
}

describe('re-classification', () => {
  it('relabelling a classified job re-classifies it: pendingClassification in the response, offers revoked, moved to the new queue', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en' } });
    const offer = await onlyOffer(router, 'w-en');

    const updated = await router.upsertJob('j', { labels: { Lang: 'fr' } });
    expect(updated.resource.status).toBe('pendingClassification');
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fr' });
    expect(eventsOf('RouterWorkerOfferRevoked').map((event) => event.data['offerId'])).toEqual([offer.offerId]);
    expect(await offeredJobs(router, 'w-en')).toEqual([]);
    expect(await offeredJobs(router, 'w-fr')).toEqual(['j']);
    expect((await router.getQueueStatistics('en')).length).toBe(0);
    expect(eventsOf('RouterJobClassified').map((event) => (event.data['queueDetails'] as { id: string }).id)).toEqual(['en', 'fr']);
  });

  it('an update that changes neither labels nor policy does not re-classify', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en' } });
    const updated = await router.upsertJob('j', { tags: { note: 'x' }, labels: { Lang: 'en' } });
    expect(updated.resource.status).toBe('queued');
    expect(eventsOf('RouterJobClassified')).toHaveLength(1);
  });

  it('a directly queued job stays queued in its queue when its labels change', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', queueId: 'en', labels: { Lang: 'en' } });
    const updated = await router.upsertJob('j', { labels: { Lang: 'fr' } });
    expect(updated.resource).toMatchObject({ status: 'queued', queueId: 'en' });
    expect(eventsOf('RouterJobClassified')).toEqual([]);
  });

  it('giving a directly queued job a classification policy classifies it, keeping the queue it was given', async () => {
    const { router } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertClassificationPolicy('prio', { prioritizationRule: { kind: 'static', value: 9 } });
    await router.upsertJob('j', { channelId: 'voice', queueId: 'en', labels: { Lang: 'fr' } });
    const updated = await router.upsertJob('j', { classificationPolicyId: 'prio' });
    expect(updated.resource.status).toBe('pendingClassification');
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'en', priority: 9 });
  });

  it('reclassifyJob applies the policy as it is now to the labels as they are now', async () => {
    const { router } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en', Tier: 'gold' } });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'fr' } }],
      prioritizationRule: { kind: 'expression', expression: 'If(job.Tier = "gold", 50, 1)' },
    });
    expect(await router.reclassifyJob('j')).toEqual({});
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fr', priority: 50 });
  });

  it('a queue the caller sets on update is kept by later re-classifications', async () => {
    const { router } = await openTestRouter();
    await setupLanguages(router);
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp', labels: { Lang: 'en' } });
    await router.upsertJob('j', { queueId: 'fr' });
    expect((await router.getJob('j')).queueId).toBe('fr');
    await router.upsertJob('j', { labels: { Lang: 'en', Mood: 'calm' } });
    expect(await router.getJob('j')).toMatchObject({ status: 'queued', queueId: 'fr' });
  });
});
