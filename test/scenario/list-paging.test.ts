import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { restartStores } from '../support/restart-stores.ts';
import { openTestRouter } from '../support/router-fixture.ts';

type Lister = (router: Router, request: { maxpagesize?: number; pageToken?: string | undefined }) => Promise<{
  value: ReadonlyArray<{ id: string }>;
  nextPageToken?: string | undefined;
}>;

/** Every id of a list, walked page by page. */
async function walk(router: Router, list: Lister, maxpagesize: number): Promise<string[]> {
  const seen: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await list(router, { maxpagesize, pageToken });
    seen.push(...page.value.map((item) => item.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return seen;
}

const listJobs: Lister = (router, request) => router.listJobs(request);
const listWorkers: Lister = (router, request) => router.listWorkers(request);
const listQueues: Lister = (router, request) => router.listQueues(request);

describe('list order and page tokens', () => {
  it('lists jobs, workers and queues in id order, whatever the order they were created in', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router, { queueId: 'q' });
    for (const id of ['m', 'b', 'z', 'a']) {
      await router.upsertQueue(`q-${id}`, { distributionPolicyId: 'dp' });
      await registerWorker(router, `w-${id}`, { queues: ['q'] });
      await createJob(router, `j-${id}`);
    }
    expect(await walk(router, listJobs, 3)).toEqual(['j-a', 'j-b', 'j-m', 'j-z']);
    expect(await walk(router, listWorkers, 1)).toEqual(['w-a', 'w-b', 'w-m', 'w-z']);
    expect(await walk(router, listQueues, 2)).toEqual(['q', 'q-a', 'q-b', 'q-m', 'q-z']);
  });

  it('a page token names the last id served: deletions before it and additions after it neither repeat nor skip a job', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await createJob(router, id);

    const first = await router.listJobs({ maxpagesize: 3 });
    expect(first.value.map((job) => job.id)).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'c']) {
      await router.cancelJob(id);
      await router.deleteJob(id);
    }
    await createJob(router, 'bb');
    await createJob(router, 'g');
    const second = await router.listJobs({ maxpagesize: 3, pageToken: first.nextPageToken });
    expect(second.value.map((job) => job.id)).toEqual(['d', 'e', 'f']);
    const third = await router.listJobs({ maxpagesize: 3, pageToken: second.nextPageToken });
    expect(third.value.map((job) => job.id)).toEqual(['g']);
    expect(third.nextPageToken).toBeUndefined();
  });

  it('gives no token when the page ends exactly at the last matching item', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    for (const id of ['a', 'b', 'c', 'd']) await createJob(router, id);
    await router.cancelJob('d');
    const page = await router.listJobs({ maxpagesize: 3, status: 'queued' });
    expect(page.value.map((job) => job.id)).toEqual(['a', 'b', 'c']);
    expect(page.nextPageToken).toBeUndefined();
  });

  it.each(['', 'not base64 json', Buffer.from('3').toString('base64url'), Buffer.from('{"v":2,"after":"a"}').toString('base64url')])(
    'refuses the page token %j with InvalidRequest on pageToken',
    async (pageToken) => {
      const { router } = await openTestRouter();
      const error = await expectRefusal(router.listJobs({ pageToken }), 'InvalidRequest');
      expect(error.target).toBe('pageToken');
    },
  );

  describe.each(restartStores)('after a restart on $name', (kind) => {
    it('the order, and a token handed out before the restart, still hold', async () => {
      const stores = await kind.fresh();
      const first = await openTestRouter({ store: stores.first });
      await setupQueue(first.router);
      for (const id of ['k', 'c', 'x', 'a', 'q']) {
        await createJob(first.router, id);
        await registerWorker(first.router, `w-${id}`, { available: false });
      }
      const page = await first.router.listJobs({ maxpagesize: 2 });
      const workersBefore = await walk(first.router, listWorkers, 2);
      await first.router.close();

      const { router } = await openTestRouter({ store: await stores.again(), clock: first.clock, idPrefix: 'after' });
      expect(await walk(router, listJobs, 2)).toEqual(['a', 'c', 'k', 'q', 'x']);
      expect(await walk(router, listWorkers, 2)).toEqual(workersBefore);
      const next = await router.listJobs({ maxpagesize: 2, pageToken: page.nextPageToken });
      expect(next.value.map((job) => job.id)).toEqual(['k', 'q']);
      await router.close();
    });
  });
});
