import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const ids = (page: { value: ReadonlyArray<{ id: string }> }) => page.value.map((item) => item.id).sort();

describe('list filters', () => {
  it('listWorkers by state, channel, queue and free capacity', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { queueId: 'sales' });
    await router.upsertQueue('support', { distributionPolicyId: 'dp' });
    await registerWorker(router, 'full', { queues: ['sales'], capacity: 1, channels: { voice: 1, chat: 1 } });
    await registerWorker(router, 'chatty', { queues: ['support'], capacity: 2, channels: { chat: 1 } });
    await registerWorker(router, 'away', { queues: ['sales', 'support'], available: false });
    await createJob(router, 'call', { queueId: 'sales' });
    expect((await router.getWorker('full')).loadRatio).toBe(1);

    expect(ids(await router.listWorkers({ state: 'active' }))).toEqual(['chatty', 'full']);
    expect(ids(await router.listWorkers({ state: 'inactive' }))).toEqual(['away']);
    expect(ids(await router.listWorkers({ channelId: 'chat' }))).toEqual(['chatty', 'full']);
    expect(ids(await router.listWorkers({ queueId: 'support' }))).toEqual(['away', 'chatty']);
    // Free capacity counts only registered workers; `full` has no room on any channel, `away` is not taking offers.
    expect(ids(await router.listWorkers({ hasCapacity: true }))).toEqual(['chatty']);
    expect(ids(await router.listWorkers({ hasCapacity: true, channelId: 'voice' }))).toEqual([]);
    expect(ids(await router.listWorkers({ hasCapacity: true, channelId: 'chat', queueId: 'support' }))).toEqual(['chatty']);
  });

  it('listJobs by status (including active), queue and channel, and pages without losing or repeating a job', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { queueId: 'sales' });
    await router.upsertQueue('support', { distributionPolicyId: 'dp' });
    await registerWorker(router, 'w', { queues: ['sales'] });
    await createJob(router, 'assigned', { queueId: 'sales' });
    await acceptOnlyOffer(router, 'w');
    await createJob(router, 'waiting', { queueId: 'sales' });
    await createJob(router, 'chat', { queueId: 'support', channelId: 'chat' });
    await createJob(router, 'gone', { queueId: 'support' });
    await router.cancelJob('gone');

    expect(ids(await router.listJobs({ status: 'queued' }))).toEqual(['chat', 'waiting']);
    expect(ids(await router.listJobs({ status: 'assigned' }))).toEqual(['assigned']);
    expect(ids(await router.listJobs({ status: 'cancelled' }))).toEqual(['gone']);
    expect(ids(await router.listJobs({ status: 'active' }))).toEqual(['assigned', 'chat', 'waiting']);
    expect(ids(await router.listJobs({ queueId: 'support' }))).toEqual(['chat', 'gone']);
    expect(ids(await router.listJobs({ channelId: 'chat' }))).toEqual(['chat']);

    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await router.listJobs({ maxpagesize: 3, pageToken });
      expect(page.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.value.map((job) => job.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(seen.sort()).toEqual(['assigned', 'chat', 'gone', 'waiting']);
  });
});
