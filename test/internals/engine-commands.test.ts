/**
 * The engine's contract, seen at its edges: a command goes in, and what comes out is one committed batch — the
 * documents it changed or deleted and the events it raised, numbered — written before the command resolves.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { CommitBatch } from '../../src/store/store.ts';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** A memory store that keeps every batch it was given. */
class RecordingStore extends MemoryStore {
  readonly batches: CommitBatch[] = [];

  override async commit(batch: CommitBatch): Promise<void> {
    this.batches.push(batch);
    await super.commit(batch);
  }
}

/** What a batch wrote, in a form a test can compare: `kind:id` of puts and deletes, and the event types. */
function summary(batch: CommitBatch | undefined): { puts: string[]; deletes: string[]; events: string[] } {
  return {
    puts: (batch?.puts ?? []).map(({ kind, id }) => `${kind}:${id}`).sort(),
    deletes: (batch?.deletes ?? []).map(({ kind, id }) => `${kind}:${id}`).sort(),
    events: (batch?.events ?? []).map((event) => event.type),
  };
}

async function openRecorded(offerExpiresAfterSeconds?: number) {
  const store = new RecordingStore();
  const test = await openTestRouter({ store });
  await setupQueue(test.router, offerExpiresAfterSeconds === undefined ? {} : { offerExpiresAfterSeconds });
  await registerWorker(test.router, 'w');
  return { ...test, store, engine: test.router.engine };
}

describe('engine: command in, committed batch and events out', () => {
  it('a job that is offered at once commits its record, the worker holding the offer and all three events in one batch', async () => {
    const { router, store } = await openRecorded();
    const before = store.batches.length;
    await createJob(router, 'j');

    expect(store.batches).toHaveLength(before + 1);
    expect(summary(store.batches.at(-1))).toEqual({
      puts: ['job:j', 'worker:w'],
      deletes: [],
      events: ['RouterJobReceived', 'RouterJobQueued', 'RouterWorkerOfferIssued'],
    });
    // Numbered without a gap, continuing the events committed before.
    const numbers = store.batches.flatMap((batch) => batch.events.map((event) => event.sequenceNumber));
    expect(numbers).toEqual(numbers.map((_n, i) => i + 1));
  });

  it('the command resolves only once its batch is in the store', async () => {
    const { engine, store } = await openRecorded();
    const before = store.batches.length;
    const config = { ...engine.actors.workerContext('w')!.config, availableForOffers: false };
    const pending = engine.command(() => engine.actors.sendWorker('w', { type: 'worker.configure', config, at: engine.now() }));
    expect(store.batches).toHaveLength(before);
    await pending;
    expect(store.batches).toHaveLength(before + 1);
    // The worker machine's own transition announces the deregistration, whoever sends it the configuration.
    expect(summary(store.batches.at(-1))).toEqual({ puts: ['worker:w'], deletes: [], events: ['RouterWorkerDeregistered'] });
  });

  it('a refused command commits nothing and changes nothing', async () => {
    const { engine, store } = await openRecorded();
    const before = store.batches.length;
    const config = engine.actors.workerContext('w')!.config;
    await expect(engine.command(() => engine.actors.sendWorker('nobody', { type: 'worker.configure', config, at: engine.now() }))).rejects.toMatchObject({
      code: 'NotFound',
    });
    await engine.flush();
    expect(store.batches).toHaveLength(before);
  });

  it('commands of one tick share one batch (group commit)', async () => {
    const { router, store } = await openRecorded();
    await registerWorker(router, 'v', { available: false });
    const before = store.batches.length;
    await Promise.all([createJob(router, 'a'), createJob(router, 'b')]);
    expect(store.batches).toHaveLength(before + 1);
    expect(summary(store.batches.at(-1)).puts).toEqual(['job:a', 'job:b', 'worker:w']);
  });

  it('an offer ended by a command releases the worker and re-offers the job in the same batch', async () => {
    const { router, engine, store } = await openRecorded();
    await createJob(router, 'j');
    const [offerId] = engine.offers.of('j').keys();
    await engine.command(() => engine.offers.end(offerId!, 'revoked', engine.now()));
    // Offers are stored with the worker that holds them: the job's record is unchanged.
    expect(summary(store.batches.at(-1))).toEqual({
      puts: ['worker:w'],
      deletes: [],
      events: ['RouterWorkerOfferRevoked', 'RouterWorkerOfferIssued'],
    });
    expect(engine.offers.of('j').size).toBe(1);
    expect(engine.offers.ended.get(offerId!)).toEqual({ workerId: 'w', outcome: 'revoked' });
  });

  it('a due deadline runs as a command: an offer expires and its batch holds the expiry', async () => {
    const { router, engine, store, advance } = await openRecorded(10);
    await createJob(router, 'j');
    expect(engine.offers.of('j').size).toBe(1);
    const before = store.batches.length;
    await advance(10_000);
    // The one worker may be offered the job again at once: the expiry's command re-offers it in the same batch.
    expect(store.batches.slice(before).map((batch) => summary(batch).events)).toEqual([['RouterWorkerOfferExpired', 'RouterWorkerOfferIssued']]);
  });

  it('deleting a job commits its deletion and leaves nothing of it in memory', async () => {
    const { router, engine, store } = await openRecorded();
    await registerWorker(router, 'w', { available: false });
    await createJob(router, 'j');
    await router.cancelJob('j');
    const jobsBefore = engine.footprint().jobs;
    await router.deleteJob('j');
    expect(summary(store.batches.at(-1)).deletes).toEqual(['job:j']);
    expect(engine.footprint().jobs).toBe(jobsBefore - 1);
    expect(engine.dispatch.isWaiting('q', 'j')).toBe(false);
  });
});
