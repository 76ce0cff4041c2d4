import type { RouterEvent } from '../protocol/events.schemas.ts';

/** The kinds of document the router persists. A worker's document carries its offers, so offers have none of their own. */
export type DocumentKind =
  | 'distributionPolicy'
  | 'queue'
  | 'classificationPolicy'
  | 'exceptionPolicy'
  | 'job'
  | 'worker'
  | 'eventSubscription'
  | 'deadLetter';

/** Every kind, in the order a router restores them (policies before the queues and jobs that refer to them). */
export const DOCUMENT_KINDS: readonly DocumentKind[] = [
  'distributionPolicy',
  'exceptionPolicy',
  'queue',
  'classificationPolicy',
  'job',
  'worker',
  'eventSubscription',
  'deadLetter',
];

/**
 * A document as stores keep it: JSON-safe (no Map, Set, `Infinity` or meaningful `undefined`) with its codec
 * version `v` (`src/engine/document-codec.ts`). An adapter may keep it by reference or as JSON text.
 */
export interface StoredDocument {
  readonly v: number;
  readonly [field: string]: unknown;
}

/** Everything one tick of commands changed, written atomically before any of those commands is acknowledged. */
export interface CommitBatch {
  readonly puts: ReadonlyArray<{ readonly kind: DocumentKind; readonly id: string; readonly doc: StoredDocument }>;
  readonly deletes: ReadonlyArray<{ readonly kind: DocumentKind; readonly id: string }>;
  /** Numbered in order, continuing from the last committed event without a gap. */
  readonly events: readonly RouterEvent[];
}

/** What a store holds at start-up. */
export interface StoredState {
  /** The documents of one kind, in id order, read as they are iterated. */
  documents(kind: DocumentKind): Iterable<readonly [id: string, doc: StoredDocument]>;
  /** The number of the newest event ever committed (0 for none), even if retention has since dropped it. */
  readonly lastSequenceNumber: number;
  /**
   * Whether every document is a new object made by this read (parsed from stored text), which the reader may then
   * change; `false` when the store hands out what it keeps by reference.
   */
  readonly freshDocuments: boolean;
}

/** How long events are kept for replay. An event is dropped once either limit is passed. */
export interface EventRetention {
  /** How many of the newest events are kept. */
  readonly count: number;
  /** Events older than this many milliseconds are dropped; `undefined` keeps them regardless of age. */
  readonly maxAgeMs?: number | undefined;
}

/**
 * The store port: the engine never touches a datastore except through this, and every adapter passes the same
 * conformance suite (`test/store/`). Documents are treated as immutable — the engine replaces, never mutates, what
 * it has handed over — so an in-memory adapter may keep references.
 */
export interface Store {
  /**
   * `microtask`: commits are cheap, flush at the end of the current job. `immediate`: flush once per event-loop turn,
   * so commands that arrive together share one write (group commit).
   */
  readonly flushTiming: 'microtask' | 'immediate';
  /**
   * What the store holds. Called once, before the first commit.
   *
   * @throws StoreError when the stored data cannot be read (corrupt, or written by a newer version)
   */
  load(): Promise<StoredState>;
  /**
   * Writes a batch: all of it or, when it rejects, none of it. Resolves once the batch is as durable as the store
   * promises. Batches are committed one at a time, in order.
   */
  commit(batch: CommitBatch): Promise<void>;
  /** Committed events with `sequenceNumber >= from`, in order, at most `limit`; the first is later than `from` when older ones were pruned. */
  readEvents(from: number, limit: number): Promise<RouterEvent[]>;
  /** The smallest sequence number still readable (the next number to be assigned when none is retained). */
  oldestRetainedSequence(): number;
  close(): Promise<void>;
  /**
   * Set once the store can write nothing more, even between commits: a PostgreSQL store that lost its connection or
   * was taken over by another Switchboard. Stores that learn of failures only by committing leave it out.
   */
  readonly failure?: Error | undefined;
}
