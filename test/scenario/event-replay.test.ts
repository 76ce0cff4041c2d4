import { describe, expect, it } from 'vitest';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** Some work that produces a mix of job, offer and worker events. */
async function work(router: Router, tag: string): Promise<void> {
  await createJob(router, `${tag}-1`);
  await createJob(router, `${tag}-2`);
  const { jobId, assignmentId } = await acceptOnlyOffer(router, 'w');
  await router.completeJob(jobId, assignmentId);
  await router.closeJob(jobId, assignmentId);
}

const numbers = (events: readonly RouterEvent[]) => events.map((event) => event.sequenceNumber);

describe('event replay', () => {
  it('numbers every committed event consecutively from 1', async () => {
    const { router, events } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await work(router, 'a');
    expect(numbers(events)).toEqual(events.map((_, i) => i + 1));
  });

  it('subscribe from a sequence number gives every event from there, then live ones, with no gap or repeat', async () => {
    const { router, events } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await work(router, 'a');
    const from = 4;
    const replayed: RouterEvent[] = [];
    // A command already under way when the subscription starts: its events must arrive once, after the replay.
    const pending = createJob(router, 'racing');
    await router.subscribe({}, (event) => replayed.push(event), from);
    await pending;
    await work(router, 'b');
    expect(replayed).toEqual(events.slice(from - 1));
    expect(numbers(replayed)).toEqual(replayed.map((_, i) => i + from));
  });

  it('a filtered replay gives exactly the matching events, in order', async () => {
    const { router, events } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await work(router, 'a');
    const replayed: RouterEvent[] = [];
    await router.subscribe({ jobId: 'a-1' }, (event) => replayed.push(event), 1);
    expect(replayed).toEqual(events.filter((event) => event.data['jobId'] === 'a-1'));
    expect(replayed.map((event) => event.type)).toContain('RouterJobClosed');
  });

  it('replay from before the retained history is refused with EventsNoLongerAvailable', async () => {
    const { router, events } = await openTestRouter({ store: new MemoryStore({ eventRetention: 5 }) });
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    await work(router, 'a');
    expect(events.length).toBeGreaterThan(5);
    await expectRefusal(router.subscribe({}, () => undefined, 1), 'EventsNoLongerAvailable');
    const replayed: RouterEvent[] = [];
    const oldest = events.length - 4;
    await router.subscribe({}, (event) => replayed.push(event), oldest);
    expect(replayed).toEqual(events.slice(oldest - 1));
  });

  it('replay from the next number to be given waits for it; from beyond it is refused with SequenceBeyondHead', async () => {
    const { router, events } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    const next = events.length + 1;
    const error = await expectRefusal(router.subscribe({}, () => undefined, next + 1), 'SequenceBeyondHead');
    expect(error.target).toBe('fromSequence');
    await expectRefusal(router.subscribe({}, () => undefined, 1_000_000), 'SequenceBeyondHead');

    const received: RouterEvent[] = [];
    await router.subscribe({}, (event) => received.push(event), next);
    await work(router, 'a');
    expect(received).toEqual(events.slice(next - 1));
    expect(received[0]?.sequenceNumber).toBe(next);
  });

  it('a subscription from a number inside a batch still being committed starts exactly at that number', async () => {
    const store = new HeldStore();
    const { router, events } = await openTestRouter({ store });
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 1 });
    const head = events.length;
    store.hold = true;
    const pending = createJob(router, 'j');
    // The job's batch (created, queued, offer issued) is numbered, and held in the store before it is published.
    await expect.poll(() => router.lastSequenceNumber).toBeGreaterThanOrEqual(head + 2);
    const received: RouterEvent[] = [];
    await router.subscribe({}, (event) => received.push(event), head + 2);
    store.release();
    await pending;
    expect(received).toEqual(events.slice(head + 1));
  });
});

/** A memory store whose commits can be held back, to observe a batch between numbering and publication. */
class HeldStore extends MemoryStore {
  hold = false;
  #waiting: Array<() => void> = [];

  override async commit(batch: Parameters<MemoryStore['commit']>[0]): Promise<void> {
    if (this.hold) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return super.commit(batch);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}
