import type { RouterEvent } from '../protocol/events.schemas.ts';

/** The kinds of document the router persists. `job` and `worker` documents are actor snapshots plus their data. */
export type DocumentKind =
  | 'distributionPolicy'
  | 'queue'
  | 'classificationPolicy'
  | 'exceptionPolicy'
  | 'job'
  | 'worker'
  | 'offer';

/** Everything one tick of commands changed, written atomically before any of those commands is acknowledged. */
export interface CommitBatch {
  readonly puts: ReadonlyArray<{ readonly kind: DocumentKind; readonly id: string; readonly doc: unknown }>;
  readonly deletes: ReadonlyArray<{ readonly kind: DocumentKind; readonly id: string }>;
  readonly events: readonly RouterEvent[];
}

/** What a store holds at start-up. */
export interface StoredState {
  readonly documents: ReadonlyMap<DocumentKind, ReadonlyMap<string, unknown>>;
  readonly lastSequenceNumber: number;
}

/**
 * The store port: the engine never touches a datastore except through this. Documents are treated as immutable —
 * the engine replaces, never mutates, what it has handed over — so an in-memory adapter may keep references.
 */
export interface Store {
  /**
   * `microtask`: commits are cheap, flush at the end of the current job. `immediate`: flush once per event-loop turn,
   * so commands that arrive together share one write (group commit).
   */
  readonly flushTiming: 'microtask' | 'immediate';
  load(): Promise<StoredState>;
  commit(batch: CommitBatch): Promise<void>;
  /** Events with `sequenceNumber >= from`, in order, at most `limit`; the first may be later than `from` if older ones were pruned. */
  readEvents(from: number, limit: number): Promise<RouterEvent[]>;
  /** The smallest sequence number still readable (1 when nothing was pruned). */
  oldestRetainedSequence(): number;
  close(): Promise<void>;
}
