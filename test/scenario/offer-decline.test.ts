import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

describe('declining an offer', () => {
  it('without retryOfferAt: the job is never offered to that worker again, until it re-registers', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await createJob(router, 'j');
    const offer = await onlyOffer(router, 'w');

    await router.declineJobOffer('w', offer.offerId);
    expect(eventsOf('RouterWorkerOfferDeclined').map((event) => event.data['offerId'])).toEqual([offer.offerId]);
    const worker = await router.getWorker('w');
    expect(worker.offers).toEqual([]);
    expect(worker.loadRatio).toBe(0);
    expect((await router.getJob('j')).status).toBe('queued');

    // Neither time nor an unrelated update brings the offer back.
    await advance(24 * 3600_000);
    await router.upsertWorker('w', { labels: { team: 'a' } });
    expect((await router.getWorker('w')).offers).toEqual([]);

    // Deregistering and registering again makes the worker eligible once more (spec §3.3).
    await router.upsertWorker('w', { availableForOffers: false });
    expect((await router.getWorker('w')).offers).toEqual([]);
    await router.upsertWorker('w', { availableForOffers: true });
    expect((await onlyOffer(router, 'w')).jobId).toBe('j');
  });

  it('without retryOfferAt: the job goes to the next eligible worker', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'a', { capacity: 1 });
    await createJob(router, 'j');
    await registerWorker(router, 'b', { capacity: 1 });
    await router.declineJobOffer('a', (await onlyOffer(router, 'a')).offerId);
    expect((await onlyOffer(router, 'b')).jobId).toBe('j');
    expect((await router.getWorker('a')).offers).toEqual([]);
  });

  it('with retryOfferAt: the worker is offered the job again at that time, not before', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await createJob(router, 'j');
    const offer = await onlyOffer(router, 'w');

    await router.declineJobOffer('w', offer.offerId, { retryOfferAt: new Date(T0 + 60_000).toISOString() });
    expect((await router.getWorker('w')).offers).toEqual([]);
    await advance(59_999);
    expect((await router.getWorker('w')).offers).toEqual([]);
    await advance(1);
    const again = await onlyOffer(router, 'w');
    expect(again).toMatchObject({ jobId: 'j', offeredAt: new Date(T0 + 60_000).toISOString() });
    expect(again.offerId).not.toBe(offer.offerId);
  });

  it('refuses to decline an offer twice, or one that was accepted', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
    await createJob(router, 'a');
    await createJob(router, 'b');
    const [first, second] = (await router.getWorker('w')).offers;
    await router.declineJobOffer('w', first!.offerId);
    await expectRefusal(router.declineJobOffer('w', first!.offerId), 'OfferNotActive');
    await router.acceptJobOffer('w', second!.offerId);
    await expectRefusal(router.declineJobOffer('w', second!.offerId), 'OfferNotActive');
    await expectRefusal(router.declineJobOffer('w', 'no-such-offer'), 'OfferNotFound');
  });
});
