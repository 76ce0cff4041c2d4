import type { RouterEvent } from '../protocol/events.schemas.ts';
import type { CommitBatch, DocumentKind, Store, StoredState } from './store.ts';

export interface MemoryStoreOptions {
  /** How many of the newest events to keep for replay; older ones are dropped. Default 100,000. */
  readonly eventRetention?: number;
}

/**
 * The in-memory adapter: documents by reference in maps, events in a bounded ring. For tests, benchmarks and
 * throw-away servers; nothing survives the process.
 */
export class MemoryStore implements Store {
  readonly flushTiming = 'microtask';
  readonly #documents = new Map<DocumentKind, Map<string, unknown>>();
  readonly #retention: number;
  #events: RouterEvent[] = [];
  #eventsStart = 0;
  #lastSequenceNumber = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#retention = options.eventRetention ?? 100_000;
  }

  async load(): Promise<StoredState> {
    return { documents: this.#documents, lastSequenceNumber: this.#lastSequenceNumber };
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.commitSync(batch);
  }

  /** The same as `commit`, for callers that know the store is in memory. */
  commitSync(batch: CommitBatch): void {
    for (const { kind, id, doc } of batch.puts) this.#collection(kind).set(id, doc);
    for (const { kind, id } of batch.deletes) this.#collection(kind).delete(id);
    for (const event of batch.events) this.#events.push(event);
    const last = batch.events.at(-1);
    if (last) this.#lastSequenceNumber = last.sequenceNumber;
    const live = this.#events.length - this.#eventsStart;
    if (live > this.#retention) this.#eventsStart += live - this.#retention;
    // Compact lazily so trimming the ring costs O(1) amortised per event.
    if (this.#eventsStart > this.#retention) {
      this.#events = this.#events.slice(this.#eventsStart);
      this.#eventsStart = 0;
    }
  }

  async readEvents(from: number, limit: number): Promise<RouterEvent[]> {
    const first = this.#events[this.#eventsStart];
    if (!first) return [];
    const offset = Math.max(0, from - first.sequenceNumber);
    const start = this.#eventsStart + offset;
    return this.#events.slice(start, start + limit);
  }

  oldestRetainedSequence(): number {
    return this.#events[this.#eventsStart]?.sequenceNumber ?? this.#lastSequenceNumber + 1;
  }

  async close(): Promise<void> {}

  #collection(kind: DocumentKind): Map<string, unknown> {
    let collection = this.#documents.get(kind);
    if (!collection) this.#documents.set(kind, (collection = new Map()));
    return collection;
  }
}
