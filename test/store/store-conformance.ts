/**
 * The store conformance suite: what every adapter behind the store port promises, run against each of them (as
 * BullMQ runs one suite against every queue backend). An adapter's test file calls `describeStoreConformance` with
 * a way to open a fresh store and to reopen it on the same data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { CommitBatch, EventRetention, Store, StoredDocument } from '../../src/store/store.ts';

export interface StoreUnderTest {
  /** Opens a store on fresh, empty data. */
  open(options: { eventRetention?: EventRetention; now?: () => number }): Promise<Store>;
  /** Closes `store` and opens it again on the same data, as a restarted process would. */
  reopen(store: Store, options: { eventRetention?: EventRetention; now?: () => number }): Promise<Store>;
}

const T0 = Date.UTC(2026, 0, 1);

export function event(sequenceNumber: number, at = T0): RouterEvent {
  return {
    sequenceNumber,
    id: `e${sequenceNumber}`,
    type: 'RouterJobReceived',
    subject: `job/j${sequenceNumber}`,
    time: new Date(at).toISOString(),
    data: { jobId: `j${sequenceNumber}`, labels: { tier: 'gold', weight: 1.5 } },
  };
}

function doc(fields: Record<string, unknown>): StoredDocument {
  return { v: 1, etag: '"1"', lastModified: T0, ...fields };
}

function batch(partial: Partial<CommitBatch>): CommitBatch {
  return { puts: [], deletes: [], events: [], ...partial };
}

async function all(store: Store, from = 1): Promise<number[]> {
  return (await store.readEvents(from, 1_000_000)).map((e) => e.sequenceNumber);
}

export function describeStoreConformance(name: string, adapter: StoreUnderTest): void {
  describe(`store conformance: ${name}`, () => {
    const opened: Store[] = [];
    const open = async (options: Parameters<StoreUnderTest['open']>[0] = {}) => {
      const store = await adapter.open(options);
      opened.push(store);
      return store;
    };
    const reopen = async (store: Store, options: Parameters<StoreUnderTest['open']>[0] = {}) => {
      const again = await adapter.reopen(store, options);
      opened.push(again);
      return again;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('starts empty: no documents, no events, sequence numbers from 1', async () => {
      const store = await open();
      const state = await store.load();
      expect([...state.documents('job')]).toEqual([]);
      expect(state.lastSequenceNumber).toBe(0);
      expect(store.oldestRetainedSequence()).toBe(1);
      expect(await store.readEvents(1, 10)).toEqual([]);
    });

    it('reopens with exactly what was committed: documents by kind in id order, replaced and deleted ones as left', async () => {
      const store = await open();
      await store.commit(batch({
        puts: [
          { kind: 'job', id: 'b', doc: doc({ status: 'queued', nested: { list: [1, 'two', null], flag: false } }) },
          { kind: 'job', id: 'a', doc: doc({ status: 'created' }) },
          { kind: 'worker', id: 'a', doc: doc({ state: 'active' }) },
          { kind: 'queue', id: 'q', doc: doc({ resource: { name: 'Q' } }) },
        ],
        events: [event(1), event(2)],
      }));
      await store.commit(batch({
        puts: [{ kind: 'job', id: 'a', doc: doc({ status: 'queued' }) }],
        deletes: [{ kind: 'queue', id: 'q' }],
        events: [event(3)],
      }));
      const again = await reopen(store);
      const state = await again.load();
      expect([...state.documents('job')]).toEqual([
        ['a', doc({ status: 'queued' })],
        ['b', doc({ status: 'queued', nested: { list: [1, 'two', null], flag: false } })],
      ]);
      expect([...state.documents('worker')]).toEqual([['a', doc({ state: 'active' })]]);
      expect([...state.documents('queue')]).toEqual([]);
      expect(state.lastSequenceNumber).toBe(3);
      expect(await again.readEvents(1, 10)).toEqual([event(1), event(2), event(3)]);
    });


    it('reads back every document of a kind in id order, however many there are', async () => {
      const store = await open();
      // More than an adapter reads in one page, with ids whose order is not their insertion order.
      const ids = Array.from({ length: 1500 }, (_, n) => `job-${(n * 7919) % 1500}`);
      await store.commit(batch({ puts: ids.map((id) => ({ kind: 'job' as const, id, doc: doc({ status: 'queued', id }) })) }));
      const state = await (await reopen(store)).load();
      const read = [...state.documents('job')];
      expect(read.map(([id]) => id)).toEqual([...ids].sort());
      expect(read.every(([id, stored]) => stored['id'] === id)).toBe(true);
    });
    it('reads events in order from any number, at most `limit`', async () => {
      const store = await open();
      await store.commit(batch({ events: [1, 2, 3, 4, 5].map((n) => event(n)) }));
      expect((await store.readEvents(2, 2)).map((e) => e.sequenceNumber)).toEqual([2, 3]);
      expect(await all(store, 5)).toEqual([5]);
      expect(await all(store, 6)).toEqual([]);
    });

    it('keeps batches in the order they were committed, also when several are in flight at once', async () => {
      const store = await open();
      const commits = [];
      for (let n = 1; n <= 50; n++)
        commits.push(store.commit(batch({ puts: [{ kind: 'job', id: 'j', doc: doc({ n }) }], events: [event(n)] })));
      await Promise.all(commits);
      const again = await reopen(store);
      expect([...(await again.load()).documents('job')]).toEqual([['j', doc({ n: 50 })]]);
      expect(await all(again)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('commits a batch whole or not at all: one unserialisable document refuses it entirely', async () => {
      const store = await open();
      await store.commit(batch({ puts: [{ kind: 'job', id: 'kept', doc: doc({ n: 1 }) }], events: [event(1)] }));
      await expect(
        store.commit(batch({
          puts: [
            { kind: 'job', id: 'kept', doc: doc({ n: 2 }) },
            { kind: 'job', id: 'bad', doc: doc({ n: 10n }) },
          ],
          deletes: [{ kind: 'job', id: 'kept' }],
          events: [event(2)],
        })),
      ).rejects.toThrow();
      const again = await reopen(store);
      expect([...(await again.load()).documents('job')]).toEqual([['kept', doc({ n: 1 })]]);
      expect(await all(again)).toEqual([1]);
      expect((await again.load()).lastSequenceNumber).toBe(1);
    });

    it('retains the newest events by count, and sequence numbers continue after everything was pruned', async () => {
      const store = await open({ eventRetention: { count: 3 } });
      for (let n = 1; n <= 10; n++) await store.commit(batch({ events: [event(n)] }));
      expect(store.oldestRetainedSequence()).toBe(8);
      expect(await all(store)).toEqual([8, 9, 10]);
      const again = await reopen(store, { eventRetention: { count: 3 } });
      expect(again.oldestRetainedSequence()).toBe(8);
      expect((await again.load()).lastSequenceNumber).toBe(10);
    });

    it('retains events by age', async () => {
      let now = T0;
      const eventRetention = { count: 1000, maxAgeMs: 60_000 };
      const store = await open({ eventRetention, now: () => now });
      for (let n = 1; n <= 5; n++) await store.commit(batch({ events: [event(n, T0 + n * 30_000)] }));
      now = T0 + 6 * 30_000;
      await store.commit(batch({ events: [event(6, now)] }));
      // The cut-off is 4 × 30 s: events 1–3 are more than a minute old, event 4 exactly a minute.
      expect(await all(store)).toEqual([4, 5, 6]);
      expect(store.oldestRetainedSequence()).toBe(4);
      const again = await reopen(store, { eventRetention, now: () => now });
      expect(again.oldestRetainedSequence()).toBe(4);
      expect((await again.load()).lastSequenceNumber).toBe(6);
    });

    it('after a commit with no events, the oldest retained number is still the next to be assigned', async () => {
      const store = await open({ eventRetention: { count: 1 } });
      await store.commit(batch({ events: [event(1), event(2)] }));
      await store.commit(batch({ puts: [{ kind: 'job', id: 'j', doc: doc({}) }] }));
      expect(store.oldestRetainedSequence()).toBe(2);
      const emptied = await open({ eventRetention: { count: 0 } });
      await emptied.commit(batch({ events: [event(1)] }));
      expect(emptied.oldestRetainedSequence()).toBe(2);
      expect(await emptied.readEvents(1, 10)).toEqual([]);
    });
  });
}
