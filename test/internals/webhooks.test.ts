/**
 * Event subscriptions in process, on a manual clock, against a real HTTP receiver: what only a controlled clock and
 * store can show — history pruned past the cursor, time to live, the dead-letter bound, and documents that reopen
 * on every store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/clock.ts';
import { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/store.ts';
import { retryDelay } from '../../src/webhooks/courier.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/support/webhook-receiver.ts';
import { restartStores } from '../support/restart-stores.ts';
import { T0 } from '../support/router-fixture.ts';

const receivers: WebhookReceiver[] = [];
const routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((router) => router.close()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});

async function open(store: Store, clock = new ManualClock(T0), deadLetterLimit?: number) {
  const router = await Router.open({ store, clock, webhooks: { retryInitialMs: 5, retryMaxMs: 10, timeoutMs: 1000, deadLetterLimit } });
  routers.push(router);
  return router;
}

async function receiver() {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

/** Waits (in real time: deliveries are real HTTP) until `done` holds. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never got there: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Jobs in queue `q`: policies and queues raise no events, so every event comes from these (two per job). */
async function jobs(router: Router, ids: readonly string[]) {
  if (!(await router.listQueues()).value.some((queue) => queue.id === 'q')) {
    await router.upsertDistributionPolicy('p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q', { distributionPolicyId: 'p' });
  }
  for (const id of ids) await router.upsertJob(id, { queueId: 'q', channelId: 'voice' });
}

const RECEIVED = ['Microsoft.Communication.RouterJobReceived'];

describe('event subscriptions in process', () => {
  it('dead-letter a gap when retention pruned events before they were delivered, then go on', async () => {
    const endpoint = await receiver();
    let failing = true;
    endpoint.answerWith(() => ({ status: failing ? 500 : 200 }));
    const router = await open(new MemoryStore({ eventRetention: 4 }));
    await router.upsertEventSubscription('s', { endpointUrl: endpoint.url, endpointValidation: 'none', filter: { includedEventTypes: RECEIVED } });
    await jobs(router, ['a', 'b', 'c', 'd', 'e', 'f']);
    await until(() => router.getEventSubscription('s'), (s) => s.lastDeliveryOutcome === 'HttpError');
    failing = false;
    const head = router.engine.log.lastPublished;
    await until(() => router.getEventSubscription('s'), (s) => s.deliveredSequenceNumber === head);
    // a's batch was held by the courier (and delivered once the endpoint recovered), with whatever it had read
    // ahead; of the rest, only the newest four events were retained: what came between was pruned first.
    const letters = (await router.listEventSubscriptionDeadLetters('s')).value;
    expect(letters).toEqual([expect.objectContaining({ deadLetterReason: 'EventsNoLongerAvailable', deliveryAttempts: 0, events: [], lastSequenceNumber: head - 4 })]);
    const delivered = new Map(endpoint.deliveries().map((d) => {
      const [event] = d.json as Array<{ id: string; data: { jobId: string } }>;
      return [event!.id, event!.data.jobId] as const;
    }));
    const jobIds = [...delivered.values()];
    expect(jobIds[0]).toBe('a');
    expect(jobIds.slice(-2)).toEqual(['e', 'f']);
    // Two events per job, Received first: every Received either came or lies in the range recorded as lost.
    const lost = ['b', 'c', 'd'].filter((id) => !jobIds.includes(id));
    const firstLost = letters[0]!.firstSequenceNumber;
    expect(lost.every((id) => { const received = 2 * 'abcdef'.indexOf(id) + 1; return received >= firstLost && received <= head - 4; })).toBe(true);
  });

  it('dead-letter a batch whose events outlived the time to live while the endpoint kept failing', async () => {
    const endpoint = await receiver();
    endpoint.answerWith(() => ({ status: 503 }));
    const clock = new ManualClock(T0);
    const router = await open(new MemoryStore(), clock);
    await router.upsertEventSubscription('ttl', {
      endpointUrl: endpoint.url,
      endpointValidation: 'none',
      retryPolicy: { eventTimeToLiveInMinutes: 1 },
      filter: { includedEventTypes: RECEIVED },
    });
    await jobs(router, ['old']);
    await until(async () => endpoint.deliveries().length, (count) => count >= 2);
    clock.advance(61_000);
    const status = await until(() => router.getEventSubscription('ttl'), (s) => s.deadLetteredEventCount === 1);
    expect(status.deliveredEventCount).toBe(0);
    const [letter] = (await router.listEventSubscriptionDeadLetters('ttl')).value;
    expect(letter).toMatchObject({ deadLetterReason: 'TimeToLiveExceeded', events: [{ data: { jobId: 'old' } }] });
    expect(letter!.deliveryAttempts).toBeGreaterThanOrEqual(2);
  });

  it('keep at most the dead-letter limit, dropping the oldest', async () => {
    const endpoint = await receiver();
    endpoint.answerWith(() => ({ status: 400 }));
    const router = await open(new MemoryStore(), new ManualClock(T0), 2);
    await router.upsertEventSubscription('few', { endpointUrl: endpoint.url, endpointValidation: 'none', filter: { includedEventTypes: RECEIVED } });
    await jobs(router, ['j1', 'j2', 'j3', 'j4']);
    await until(() => router.getEventSubscription('few'), (s) => s.deadLetteredEventCount === 4);
    const letters = (await router.listEventSubscriptionDeadLetters('few')).value;
    expect(letters.map((letter) => (letter.events[0]!.data as { jobId: string }).jobId)).toEqual(['j3', 'j4']);
  });

  it('stops delivering once a subscription is deleted, and its dead letters go with it', async () => {
    const endpoint = await receiver();
    endpoint.answerWith((index) => ({ status: index === 0 ? 400 : 200 }));
    const router = await open(new MemoryStore());
    await router.upsertEventSubscription('gone', { endpointUrl: endpoint.url, endpointValidation: 'none', filter: { includedEventTypes: RECEIVED } });
    await jobs(router, ['x', 'y']);
    await until(() => router.getEventSubscription('gone'), (s) => s.deliveredEventCount === 1);
    await router.deleteEventSubscription('gone');
    const before = endpoint.deliveries().length;
    await jobs(router, ['z']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(endpoint.deliveries()).toHaveLength(before);
    await expect(router.listEventSubscriptionDeadLetters('gone')).rejects.toMatchObject({ code: 'NotFound' });
    const created = await router.upsertEventSubscription('gone', { endpointUrl: endpoint.url, endpointValidation: 'none' });
    expect(created).toMatchObject({ created: true, resource: { deadLetteredEventCount: 0 } });
    expect((await router.listEventSubscriptionDeadLetters('gone')).value).toEqual([]);
  });

  it('retry waits grow exponentially with jitter, within the bound, and honour Retry-After', () => {
    const settings = (random: number) => ({ retryInitialMs: 100, retryMaxMs: 1000, timeoutMs: 1, random: () => random });
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(settings(0.999999), attempt))).toEqual([100, 200, 400, 800, 1000].map((ms) => expect.closeTo(ms, 0)));
    expect([1, 2, 3].map((attempt) => retryDelay(settings(0), attempt))).toEqual([50, 100, 200]);
    expect(retryDelay(settings(0), 1, 700)).toBe(700);
    expect(retryDelay(settings(0), 1, 60_000)).toBe(1000);
  });

  for (const restartStore of restartStores)
    it(`reopen with subscriptions, cursors and dead letters on ${restartStore.name}`, async () => {
      const endpoint = await receiver();
      endpoint.answerWith((index) => ({ status: index === 0 ? 400 : 200 }));
      const { first, again } = await restartStore.fresh();
      const router = await open(first);
      await router.upsertEventSubscription('kept', { endpointUrl: endpoint.url, endpointValidation: 'none', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', filter: { includedEventTypes: RECEIVED } });
      await jobs(router, ['r1', 'r2']);
      const before = await until(() => router.getEventSubscription('kept'), (s) => s.deliveredEventCount === 1);
      const letters = (await router.listEventSubscriptionDeadLetters('kept')).value;
      routers.splice(routers.indexOf(router), 1);
      await router.close();

      const reopened = await open(await again());
      expect(await reopened.getEventSubscription('kept')).toEqual(before);
      expect((await reopened.listEventSubscriptionDeadLetters('kept')).value).toEqual(letters);
      await jobs(reopened, ['r3']);
      await until(() => reopened.getEventSubscription('kept'), (s) => s.deliveredEventCount === 2);
      const signed = endpoint.deliveries().at(-1)!;
      expect(signed.headers['webhook-signature']).toMatch(/^v1,/);
      expect((signed.json as Array<{ data: { jobId: string } }>)[0]!.data.jobId).toBe('r3');
    });
});
