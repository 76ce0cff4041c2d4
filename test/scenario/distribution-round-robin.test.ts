import { describe, expect, it } from 'vitest';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('round robin distribution', () => {
  it('offers successive jobs to workers in id order, starting after the last one that got an offer, wrapping around', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { mode: 'roundRobin' });
    // Registered out of id order: the order comes from the ids, not from registration.
    for (const id of ['c', 'a', 'b']) await registerWorker(router, id, { capacity: 10, channels: { voice: 1 } });
    for (let i = 0; i < 7; i++) await createJob(router, `j${i}`);
    expect(eventsOf('RouterWorkerOfferIssued').map((event) => event.data['workerId'])).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('skips a worker that cannot take the job and carries on from the one that did', async () => {
    const { router, eventsOf } = await openTestRouter();
    await setupQueue(router, { mode: 'roundRobin' });
    await registerWorker(router, 'a', { capacity: 10, channels: { voice: 1 } });
    await registerWorker(router, 'b', { capacity: 10, channels: { chat: 1 } });
    await registerWorker(router, 'c', { capacity: 10, channels: { voice: 1 } });
    for (let i = 0; i < 4; i++) await createJob(router, `j${i}`);
    expect(eventsOf('RouterWorkerOfferIssued').map((event) => event.data['workerId'])).toEqual(['a', 'c', 'a', 'c']);
  });
});
