import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { acceptOnlyOffer, createJob, offersOf, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** The PizzaCook of Azure's capacity docs: total capacity 100, and what each dish costs. */
const pizzaCook = { capacity: 100, channels: { pizza: 50, donair: 33, burger: 25 } };

async function kitchen(): Promise<Router> {
  const { router } = await openTestRouter();
  await setupQueue(router);
  await registerWorker(router, 'cook', pizzaCook);
  return router;
}

async function order(router: Router, dish: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await createJob(router, `${dish}-${i}`, { channelId: dish });
}

describe('channel capacity costs (the PizzaCook table)', () => {
  for (const [dish, most] of [['pizza', 2], ['donair', 3], ['burger', 4]] as const)
    it(`offers at most ${most} ${dish} jobs to a cook of capacity 100`, async () => {
      const router = await kitchen();
      await order(router, dish, most + 2);
      const cook = await router.getWorker('cook');
      expect(cook.offers).toHaveLength(most);
      expect(cook.loadRatio).toBeCloseTo((most * pizzaCook.channels[dish]) / 100);
    });

  it('mixes dishes while they fit: a pizza and a donair leave no room for a burger (50 + 33 + 25 > 100)', async () => {
    const router = await kitchen();
    await createJob(router, 'pizza', { channelId: 'pizza' });
    await createJob(router, 'donair', { channelId: 'donair' });
    await createJob(router, 'burger', { channelId: 'burger' });
    expect((await offersOf(router, 'cook')).map((offer) => offer.jobId).sort()).toEqual(['donair', 'pizza']);
  });

  it('accepted jobs hold their cost until closed, then the next job fits', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await order(router, 'pizza', 3);
    await registerWorker(router, 'cook', { ...pizzaCook, maxConcurrentOffers: 1 });
    const first = await acceptOnlyOffer(router, 'cook');
    const second = await acceptOnlyOffer(router, 'cook');
    expect((await router.getWorker('cook')).offers).toEqual([]);
    await router.closeJob(first.jobId, first.assignmentId);
    expect((await offersOf(router, 'cook')).map((offer) => offer.jobId)).toEqual(['pizza-2']);
    expect(second.jobId).toBe('pizza-1');
  });

  it('maxNumberOfJobs caps a channel below what capacity allows, keeping room for the expensive channel', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'agent', {
      capacity: 100,
      channels: { voice: 60, chat: { cost: 10, max: 2 }, email: { cost: 10, max: 2 } },
    });
    await order(router, 'chat', 3);
    await order(router, 'email', 3);
    await order(router, 'voice', 1);
    // Two chats and two emails use 40: the caps keep 60 free, so the voice job still fits beside them.
    expect((await offersOf(router, 'agent')).map((offer) => offer.jobId).sort()).toEqual(['chat-0', 'chat-1', 'email-0', 'email-1', 'voice-0']);
    expect((await router.getWorker('agent')).loadRatio).toBe(1);
  });

  it('engine bug (longest idle shortcut): a worker with capacity 0 is offered nothing, not even a job costing 0', async () => {
    for (const mode of ['roundRobin', 'bestWorker', 'longestIdle'] as const) {
      const { router } = await openTestRouter();
      await setupQueue(router, { mode });
      await registerWorker(router, 'none', { capacity: 0, channels: { voice: 0 } });
      await createJob(router, 'free');
      expect(await offersOf(router, 'none'), mode).toEqual([]);
    }
  });
});
