import { assign, setup } from 'xstate';
import { QueueIndex, type IndexEntry } from '../src/matching/queue-index.ts';

/**
 * The queue supervisor's context. The ordering index is a mutable structure owned by this actor alone: copying a
 * million-entry index per event would defeat its purpose, so actions update it in place and only this actor does.
 */
export interface QueueContext {
  readonly queueId: string;
  readonly index: QueueIndex;
  /** Round robin: the id of the last worker that received an offer from this queue. */
  readonly roundRobinCursor: string | undefined;
}

export type QueueEvent =
  | { type: 'queue.enqueue'; entry: IndexEntry }
  /**
   * A restart puts a queue's waiting jobs back in one event rather than one per job. The entries are read once, as
   * the index takes them, so a million of them need not all exist at the same time.
   */
  | { type: 'queue.restore'; entries: Iterable<IndexEntry> }
  | { type: 'queue.remove'; jobId: string }
  | { type: 'queue.park'; jobId: string }
  | { type: 'queue.unpark'; jobId: string }
  | { type: 'queue.offered'; cursor: string | undefined };

/**
 * One supervisor per queue: `empty` or `backlogged`. It owns the dispatch order of the jobs waiting in its queue and
 * the round-robin cursor; the engine asks it for the next job a worker can take (`index.bestFor`) and tells it what
 * was enqueued, removed, or is waiting on outstanding offers (parked).
 */
export const queueMachine = setup({
  types: { context: {} as QueueContext, events: {} as QueueEvent, input: {} as { queueId: string } },
  actions: {
    addEntry: ({ context, event }) => {
      if (event.type === 'queue.enqueue') context.index.add(event.entry);
      if (event.type === 'queue.restore') for (const entry of event.entries) context.index.add(entry);
    },
    removeEntry: ({ context, event }) => {
      if (event.type === 'queue.remove') context.index.remove(event.jobId);
    },
    parkEntry: ({ context, event }) => {
      if (event.type === 'queue.park') context.index.park(event.jobId);
    },
    unparkEntry: ({ context, event }) => {
      if (event.type === 'queue.unpark') context.index.unpark(event.jobId);
    },
    moveCursor: assign({
      roundRobinCursor: ({ context, event }) => (event.type === 'queue.offered' ? event.cursor : context.roundRobinCursor),
    }),
  },
  guards: {
    isEmpty: ({ context }) => context.index.size === 0,
    isBacklogged: ({ context }) => context.index.size > 0,
  },
}).createMachine({
  id: 'queue',
  context: ({ input }) => ({ queueId: input.queueId, index: new QueueIndex(), roundRobinCursor: undefined }),
  initial: 'empty',
  on: {
    'queue.park': { actions: 'parkEntry' },
    'queue.unpark': { actions: 'unparkEntry' },
    'queue.offered': { actions: 'moveCursor' },
  },
  states: {
    empty: {
      on: {
        'queue.enqueue': { target: 'backlogged', actions: 'addEntry' },
        'queue.restore': { target: 'backlogged', actions: 'addEntry' },
      },
    },
    backlogged: {
      always: { guard: 'isEmpty', target: 'empty' },
      on: {
        'queue.enqueue': { actions: 'addEntry' },
        'queue.restore': { actions: 'addEntry' },
        'queue.remove': { actions: 'removeEntry' },
      },
    },
  },
});
