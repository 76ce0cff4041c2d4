import { describe, expect, it } from 'vitest';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { declineChain } from '../support/offer-order.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('best worker distribution (default scoring)', () => {
  it('without selectors: the share of the job labels a worker matches, highest first', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { mode: 'bestWorker' });
    await registerWorker(router, 'none', { labels: { lang: 'fr' } });
    await registerWorker(router, 'one', { labels: { lang: 'en' } });
    await registerWorker(router, 'all', { labels: { lang: 'en', product: 'tv', tier: 'gold' } });
    await registerWorker(router, 'two', { labels: { lang: 'en', product: 'tv', tier: 'silver' } });
    await createJob(router, 'j', { labels: { lang: 'en', product: 'tv', tier: 'gold' } });
    expect(await declineChain(router, 'j', ['none', 'one', 'all', 'two'])).toEqual(['all', 'two', 'one', 'none']);
  });

  it('with a greaterThanOrEqual selector: further above the wanted value scores higher', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { mode: 'bestWorker' });
    for (const [id, experience] of [['five', 5], ['ten', 10], ['six', 6], ['four', 4]] as const)
      await registerWorker(router, id, { labels: { experience } });
    await createJob(router, 'j', { requestedWorkerSelectors: [{ key: 'experience', labelOperator: 'greaterThanOrEqual', value: 5 }] });
    // `four` does not satisfy the selector at all, so it is never offered the job.
    expect(await declineChain(router, 'j', ['five', 'ten', 'six', 'four'])).toEqual(['ten', 'six', 'five']);
  });

  it('equal scores go to the worker idle longest', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router, { mode: 'bestWorker' });
    await registerWorker(router, 'a', { labels: { lang: 'en' }, available: false });
    await registerWorker(router, 'b', { labels: { lang: 'en' } });
    await advance(60_000);
    await router.upsertWorker('a', { availableForOffers: true });
    await createJob(router, 'j', { labels: { lang: 'en' } });
    expect(await declineChain(router, 'j', ['a', 'b'])).toEqual(['b', 'a']);
  });
});
