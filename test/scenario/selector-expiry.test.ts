import { describe, expect, it } from 'vitest';
import { createJob, offeredJobs, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';
import { restartStores } from '../support/restart-stores.ts';

/** The preferred-worker pattern: only `workerId` for 45 s, expedited, then anyone (spec §3.5). */
const preferred = (workerId: string) => ({ key: 'Id', labelOperator: 'equal', value: workerId, expedite: true, expiresAfterSeconds: 45 });

describe('worker selector expiry and expedite', () => {
  it('stamps expiresAt and status on a requested selector that expires', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const job = await createJob(router, 'j', { requestedWorkerSelectors: [preferred('alice'), { key: 'Lang', labelOperator: 'equal', value: 'en' }] });
    expect(job.requestedWorkerSelectors).toEqual([
      { ...preferred('alice'), status: 'active', expiresAt: new Date(T0 + 45_000).toISOString() },
      { key: 'Lang', labelOperator: 'equal', value: 'en', status: 'active' },
    ]);
  });

  it('preferred worker: offered only to that worker until the selector expires at 45 s, then to anyone at once', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'alice', { available: false });
    await registerWorker(router, 'bob');
    await createJob(router, 'j', { requestedWorkerSelectors: [preferred('alice')] });
    expect(await offeredJobs(router, 'bob')).toEqual([]);

    await advance(45_000 - 1);
    expect(await offeredJobs(router, 'bob')).toEqual([]);
    expect(eventsOf('RouterJobWorkerSelectorsExpired')).toEqual([]);

    await advance(1);
    expect(await offeredJobs(router, 'bob')).toEqual(['j']);
    const [expired] = eventsOf('RouterJobWorkerSelectorsExpired');
    expect(expired!.data).toMatchObject({
      jobId: 'j',
      expiredRequestedWorkerSelectors: [
        { key: 'Id', labelOperator: 'Equal', labelValue: 'alice', ttlSeconds: 45, state: 'expired', expirationTime: new Date(T0 + 45_000).toISOString() },
      ],
      expiredAttachedWorkerSelectors: [],
    });
    expect((await router.getJob('j')).requestedWorkerSelectors[0]).toMatchObject({ status: 'expired' });
  });

  it('preferred worker: when that worker is free it gets the offer straight away', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'bob');
    await registerWorker(router, 'alice');
    await createJob(router, 'j', { requestedWorkerSelectors: [preferred('alice')] });
    expect(await offeredJobs(router, 'alice')).toEqual(['j']);
    expect(await offeredJobs(router, 'bob')).toEqual([]);
  });

  it('an expedited job goes ahead of higher-priority jobs while its selector is active, and takes its normal place after', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'urgent', { priority: 50 });
    await createJob(router, 'expedited', { priority: 1, requestedWorkerSelectors: [{ key: 'Any', labelOperator: 'notEqual', value: 'x', expedite: true, expiresAfterSeconds: 10 }] });
    expect((await router.getInQueuePosition('expedited')).position).toBe(1);
    await advance(10_000);
    expect((await router.getInQueuePosition('expedited')).position).toBe(2);
    expect((await router.getInQueuePosition('urgent')).position).toBe(1);
  });

  it('expires attached selectors too, each at its own time, with one deadline armed at a time', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await router.upsertClassificationPolicy('cp', {
      fallbackQueueId: 'q',
      workerSelectorAttachments: [
        { kind: 'static', workerSelector: { key: 'Skill', labelOperator: 'equal', value: 'a', expiresAfterSeconds: 10 } },
        { kind: 'static', workerSelector: { key: 'Level', labelOperator: 'greaterThan', value: 2, expiresAfterSeconds: 20 } },
      ],
    });
    await router.upsertJob('j', { channelId: 'voice', classificationPolicyId: 'cp' });
    await registerWorker(router, 'w', { labels: { Skill: 'b', Level: 1 } });
    expect(await offeredJobs(router, 'w')).toEqual([]);

    await advance(10_000);
    expect(eventsOf('RouterJobWorkerSelectorsExpired').map((event) => event.data['expiredAttachedWorkerSelectors'])).toEqual([
      [expect.objectContaining({ key: 'Skill', state: 'expired' })],
    ]);
    expect(await offeredJobs(router, 'w')).toEqual([]);

    await advance(10_000);
    expect(eventsOf('RouterJobWorkerSelectorsExpired')).toHaveLength(2);
    expect(await offeredJobs(router, 'w')).toEqual(['j']);
    expect((await router.getJob('j')).attachedWorkerSelectors.map((selector) => selector.status)).toEqual(['expired', 'expired']);
  });

  it.each(restartStores)('an expiry still fires after the router restarts on the same store ($name)', async (kind) => {
    const stores = await kind.fresh();
    const first = await openTestRouter({ store: stores.first });
    await setupQueue(first.router);
    await registerWorker(first.router, 'bob');
    await createJob(first.router, 'j', { requestedWorkerSelectors: [preferred('alice')] });
    await first.advance(20_000);
    await first.router.close();

    const second = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
    await second.advance(25_000);
    expect(await offeredJobs(second.router, 'bob')).toEqual(['j']);
  });

  it('nothing expires for a job that was assigned meanwhile', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'alice');
    await createJob(router, 'j', { requestedWorkerSelectors: [preferred('alice')] });
    const [offer] = (await router.getWorker('alice')).offers;
    await router.acceptJobOffer('alice', offer!.offerId);
    await advance(60_000);
    expect(eventsOf('RouterJobWorkerSelectorsExpired')).toEqual([]);
  });
});
