/**
 * The queue supervisor from its own graph: every state and transition reached by a generated path replayed on a real
 * actor, and the state always telling whether the index holds any job.
 */
import { expect } from 'vitest';
import { queueMachine } from '../../machines/queue.machine.ts';
import { type IndexEntry, QueueIndex } from '../../src/matching/queue-index.ts';
import { describeMachineModel, type MachineModel, type ModelStep } from './model-harness.ts';

const T0 = Date.UTC(2026, 0, 1);

const jobIdOf = (n: number): string => `j-${n}`;

function entry(n: number, priority = 1): IndexEntry {
  return { jobId: jobIdOf(n), priority, enqueueSeq: n, enqueuedAt: T0, expedite: false, channelId: 'chat', selectors: [] };
}

function copyOf(index: QueueIndex): QueueIndex {
  const copy = new QueueIndex();
  for (const queued of index.entries()) {
    copy.add(queued);
    if (index.isParked(queued.jobId)) copy.park(queued.jobId);
  }
  return copy;
}

/**
 * The queue machine as `@xstate/graph` can walk it. Its actions change the index in place rather than assigning
 * context, and the graph's actor scope drops such actions: walked as is, `queue.enqueue` from `empty` lands back in
 * `empty` through the `always` guard, while a real actor stays `backlogged`. So this walk runs them, each time on a
 * copy of the index, so that sibling branches of the traversal cannot see each other's changes.
 */
const transitionWithOwnIndex: typeof queueMachine.transition = (snapshot, event, scope) => {
  const context = { ...snapshot.context, index: copyOf(snapshot.context.index) };
  return queueMachine.transition(queueMachine.resolveState({ value: snapshot.value, context }), event, {
    ...scope,
    actionExecutor: (action) => action.exec?.(action.info, action.params),
  });
};
const walkableQueue: typeof queueMachine = Object.assign(Object.create(queueMachine) as typeof queueMachine, {
  transition: transitionWithOwnIndex,
});

const model: MachineModel<typeof queueMachine> = {
  machine: queueMachine,
  graphLogic: walkableQueue,
  input: { queueId: 'q-1' },
  samples: ({ context: { index } }) => {
    const queued = [...index.entries()].map(({ enqueueSeq }) => enqueueSeq).sort((a, b) => a - b);
    let fresh = 1;
    while (index.get(jobIdOf(fresh)) !== undefined) fresh++;
    const first = queued[0];
    const jobIds = queued.map(jobIdOf);
    return [
      ['enqueue', { type: 'queue.enqueue', entry: entry(fresh) }],
      // The engine re-adds a queued job whose priority or selectors changed.
      ['enqueue(again)', { type: 'queue.enqueue', entry: entry(first ?? fresh, 5) }],
      ['restore', { type: 'queue.restore', entries: [entry(fresh), entry(fresh + 1)] }],
      ['restore(none)', { type: 'queue.restore', entries: [] }],
      ['remove', { type: 'queue.remove', jobId: jobIds[0] ?? 'j-none' }],
      ['remove(unknown)', { type: 'queue.remove', jobId: 'j-unknown' }],
      ['park', { type: 'queue.park', jobId: jobIds.find((jobId) => !index.isParked(jobId)) ?? 'j-none' }],
      ['unpark', { type: 'queue.unpark', jobId: jobIds.find((jobId) => index.isParked(jobId)) ?? 'j-none' }],
      ['offered', { type: 'queue.offered', cursor: 'w-1' }],
    ];
  },
};

/** Checked right after each step: the real actor's index is one object, changed in place by every later event. */
function invariants({ label, after }: ModelStep<typeof queueMachine>): void {
  expect(after.value, `after ${label} the queue holds ${after.context.index.size} jobs`).toBe(
    after.context.index.size > 0 ? 'backlogged' : 'empty',
  );
}

describeMachineModel(model, { invariants, randomWalks: true });
