import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/clock.ts';
import { Router } from '../../src/router.ts';

describe('smoke', () => {
  it('takes a job through its whole lifecycle', async () => {
    const clock = new ManualClock();
    let n = 0;
    const router = await Router.open({ clock, newId: () => `id${++n}` });
    const events: string[] = [];
    await router.subscribe({}, (e) => events.push(e.type));
    await router.upsertDistributionPolicy('dp', { offerExpiresAfterSeconds: 30, mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q', { distributionPolicyId: 'dp' });
    await router.upsertWorker('w', { queues: ['q'], capacity: 10, channels: [{ channelId: 'voice', capacityCostPerJob: 10 }], availableForOffers: true });
    const created = await router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
    expect(created.resource.status).toBe('created');
    const worker = await router.getWorker('w');
    expect(worker.offers).toHaveLength(1);
    expect(worker.loadRatio).toBe(1);
    const offerId = worker.offers[0]!.offerId;
    const accepted = await router.acceptJobOffer('w', offerId);
    expect((await router.getJob('j')).status).toBe('assigned');
    await router.completeJob('j', accepted.assignmentId);
    await router.closeJob('j', accepted.assignmentId);
    expect((await router.getJob('j')).status).toBe('closed');
    expect((await router.getWorker('w')).loadRatio).toBe(0);
    console.log(events);
  });
});
