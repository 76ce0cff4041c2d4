/**
 * The queue index against a brute-force model: whatever the sequence of adds, removals, parks and unparks, the
 * entry it offers a worker is the one a full sort of the queue would offer, and its counts and positions agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasRoomFor } from '../../src/matching/capacity.ts';
import { type IndexEntry, QueueIndex } from '../../src/matching/queue-index.ts';
import { satisfiesAll, selectorSignature } from '../../src/matching/selectors.ts';
import type { ChannelView, SelectorView, WorkerView } from '../../src/matching/types.ts';

const JOB_IDS = ['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7', 'j8', 'j9'];
const CHANNELS = ['chat', 'voice', 'email'];
const SELECTORS: SelectorView[] = [
  { key: 'lang', labelOperator: 'equal', value: 'en' },
  { key: 'lang', labelOperator: 'equal', value: 'fr' },
  { key: 'level', labelOperator: 'greaterThan', value: 2 },
  { key: 'level', labelOperator: 'lessThanOrEqual', value: 1 },
  { key: 'level', labelOperator: 'equal', value: '3' },
  { key: 'vip', labelOperator: 'notEqual' },
  { key: 'vip', labelOperator: 'equal', value: true, expedite: true },
];

type Op =
  | { readonly kind: 'add'; readonly entry: IndexEntry }
  | { readonly kind: 'remove' | 'park' | 'unpark'; readonly jobId: string }
  | {
      readonly kind: 'match';
      readonly worker: WorkerView;
      readonly bypassSelectors: boolean;
      readonly rejected: readonly string[];
    };

const jobIdArb = fc.constantFrom(...JOB_IDS);

const entryArb: fc.Arbitrary<IndexEntry> = fc.record({
  jobId: jobIdArb,
  priority: fc.integer({ min: -1, max: 2 }),
  enqueueSeq: fc.integer({ min: 0, max: 5 }),
  enqueuedAt: fc.integer({ min: 0, max: 5 }),
  expedite: fc.boolean(),
  // Biased towards few distinct groups, so that groups hold several entries and heads get rejected.
  channelId: fc.constantFrom('chat', 'chat', 'chat', 'voice', 'email'),
  selectors: fc.oneof(
    { weight: 2, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.shuffledSubarray(SELECTORS, { maxLength: 2 }) },
  ),
});

const channelArb: fc.Arbitrary<ChannelView> = fc.record(
  { capacityCostPerJob: fc.integer({ min: 1, max: 4 }), maxNumberOfJobs: fc.integer({ min: 1, max: 2 }) },
  { requiredKeys: ['capacityCostPerJob'] },
);

const workerArb: fc.Arbitrary<WorkerView> = fc
  .record({
    labels: fc.record(
      {
        lang: fc.constantFrom('en', 'fr'),
        level: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant('3')),
        vip: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    capacity: fc.integer({ min: 0, max: 8 }),
    usedCapacity: fc.integer({ min: 0, max: 4 }),
    // Mostly with a chat channel, so that most matches have candidates.
    channels: fc.record(
      { chat: channelArb, voice: channelArb, email: channelArb },
      { requiredKeys: [] },
    ),
    jobsPerChannel: fc.dictionary(fc.constantFrom(...CHANNELS), fc.integer({ min: 0, max: 2 })),
  })
  .map((w) => ({
    id: 'w',
    labels: { Id: 'w', ...w.labels },
    active: true,
    capacity: w.capacity,
    usedCapacity: w.usedCapacity,
    channels: new Map(Object.entries(w.channels)),
    jobsPerChannel: new Map(Object.entries(w.jobsPerChannel)),
    queues: new Set(['q']),
    offerCount: 0,
    availableSince: 0,
  }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: entryArb.map((entry) => ({ kind: 'add' as const, entry })) },
  { weight: 2, arbitrary: jobIdArb.map((jobId) => ({ kind: 'remove' as const, jobId })) },
  { weight: 2, arbitrary: jobIdArb.map((jobId) => ({ kind: 'park' as const, jobId })) },
  { weight: 2, arbitrary: jobIdArb.map((jobId) => ({ kind: 'unpark' as const, jobId })) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('match' as const),
      worker: workerArb,
      bypassSelectors: fc.boolean(),
      rejected: fc.subarray(JOB_IDS, { maxLength: 4 }),
    }),
  },
);

/** Dispatch order as the queue semantics state it, written independently of the index. */
function compareDispatch(a: IndexEntry, b: IndexEntry): number {
  if (a.expedite !== b.expedite) return a.expedite ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.enqueueSeq !== b.enqueueSeq) return a.enqueueSeq - b.enqueueSeq;
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0;
}

class Model {
  readonly jobs = new Map<string, { entry: IndexEntry; parked: boolean }>();

  apply(op: Exclude<Op, { kind: 'match' }>): void {
    switch (op.kind) {
      case 'add':
        this.jobs.set(op.entry.jobId, { entry: op.entry, parked: this.jobs.get(op.entry.jobId)?.parked ?? false });
        break;
      case 'remove':
        this.jobs.delete(op.jobId);
        break;
      case 'park':
      case 'unpark': {
        const job = this.jobs.get(op.jobId);
        if (job !== undefined) job.parked = op.kind === 'park';
      }
    }
  }

  sorted(): IndexEntry[] {
    return [...this.jobs.values()].map((j) => j.entry).sort(compareDispatch);
  }

  bestFor(worker: WorkerView, bypassSelectors: boolean, rejected: ReadonlySet<string>): IndexEntry | undefined {
    return [...this.jobs.values()]
      .filter(({ entry, parked }) => !parked && hasRoomFor(worker, entry.channelId))
      .filter(({ entry }) => bypassSelectors || satisfiesAll(entry.selectors, worker.labels))
      .filter(({ entry }) => !rejected.has(entry.jobId))
      .map((j) => j.entry)
      .sort(compareDispatch)[0];
  }
}

/** The fields that define an entry, selectors as a set (the index may share an equivalent array in another order). */
function essence(entry: IndexEntry | undefined): unknown {
  if (entry === undefined) return undefined;
  const { jobId, priority, enqueueSeq, enqueuedAt, expedite, channelId } = entry;
  const selectors = entry.selectors.map((s) => JSON.stringify([s.key, s.labelOperator, s.value ?? null])).sort();
  return { jobId, priority, enqueueSeq, enqueuedAt, expedite, channelId, selectors: [...new Set(selectors)] };
}

describe('QueueIndex against a brute-force model', () => {
  it('offers the first acceptable entry in dispatch order; counts, positions, age and groups agree', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60, size: 'max' }), (ops) => {
        const index = new QueueIndex();
        const model = new Model();
        for (const op of ops) {
          if (op.kind === 'match') {
            const rejected = new Set(op.rejected);
            const got = index.bestFor(op.worker, op.bypassSelectors, (e) => !rejected.has(e.jobId));
            expect(essence(got)).toEqual(essence(model.bestFor(op.worker, op.bypassSelectors, rejected)));
            continue;
          }
          if (op.kind === 'add') index.add(op.entry);
          else if (op.kind === 'remove') index.remove(op.jobId);
          else if (op.kind === 'park') index.park(op.jobId);
          else index.unpark(op.jobId);
          model.apply(op);

          const sorted = model.sorted();
          expect(index.size).toBe(model.jobs.size);
          const signatures = new Set(sorted.map((e) => selectorSignature(e.channelId, e.selectors)));
          expect(index.groupCount).toBe(signatures.size);
          sorted.forEach((e, i) => {
            expect(index.position(e.jobId)).toBe(i + 1);
            expect(essence(index.get(e.jobId))).toEqual(essence(e));
          });
          for (const jobId of JOB_IDS) {
            expect(index.isParked(jobId)).toBe(model.jobs.get(jobId)?.parked ?? false);
          }
          const oldestAt = sorted.length === 0 ? undefined : Math.min(...sorted.map((e) => e.enqueuedAt));
          expect(index.oldest()?.enqueuedAt).toBe(oldestAt);
          const counts = new Map<number, number>();
          for (const e of sorted) counts.set(e.priority, (counts.get(e.priority) ?? 0) + 1);
          expect(index.countByPriority()).toEqual(counts);
        }
      }),
      { numRuns: 500 },
    );
  });
});
