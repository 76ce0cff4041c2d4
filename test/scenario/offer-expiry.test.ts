import { describe, expect, it } from 'vitest';
import { createJob, onlyOffer, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter, T0 } from '../support/router-fixture.ts';

describe('offer expiry', () => {
  it('expires an unanswered offer after offerExpiresAfterSeconds, frees the capacity and offers the job again', async () => {
    const { router, advance, eventsOf } = await openTestRouter();
    await setupQueue(router, { offerExpiresAfterSeconds: 30 });
    await registerWorker(router, 'w', { capacity: 10 });
    await createJob(router, 'j');
    const first = await onlyOffer(router, 'w');
    expect(first.expiresAt).toBe(new Date(T0 + 30_000).toISOString());

    await advance(29_999);
    expect((await onlyOffer(router, 'w')).offerId).toBe(first.offerId);
    expect(eventsOf('RouterWorkerOfferExpired')).toEqual([]);

    await advance(1);
    expect(eventsOf('RouterWorkerOfferExpired').map((event) => event.data['offerId'])).toEqual([first.offerId]);
    // The capacity came back and the job, still queued, went out again at once: to the only worker there is.
    const second = await onlyOffer(router, 'w');
    expect(second.offerId).not.toBe(first.offerId);
    expect(second).toMatchObject({ jobId: 'j', offeredAt: new Date(T0 + 30_000).toISOString() });
    expect((await router.getJob('j')).status).toBe('queued');
    await expectRefusal(router.acceptJobOffer('w', first.offerId), 'OfferNotActive');
  });

  it('offers the job to another free worker when the first lets its offer expire', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router, { offerExpiresAfterSeconds: 10 });
    await registerWorker(router, 'a', { capacity: 1 });
    await createJob(router, 'j');
    await registerWorker(router, 'b', { capacity: 1 });
    expect((await onlyOffer(router, 'a')).jobId).toBe('j');
    expect((await router.getWorker('b')).offers).toEqual([]);

    await advance(10_000);
    // Longest idle: b has been idle since it registered; a only since its offer ended just now.
    expect((await onlyOffer(router, 'b')).jobId).toBe('j');
    expect((await router.getWorker('a')).offers).toEqual([]);
    expect((await router.getWorker('a')).loadRatio).toBe(0);
  });
});
