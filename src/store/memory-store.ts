import type { RouterEvent } from '../protocol/events.schemas.ts';
import type { CommitBatch, DocumentKind, Store, StoredDocument, StoredState } from './store.ts';

export interface MemoryStoreOptions {
  /** How many of the newest events to keep for replay; older ones are dropped. Default 100,000. */
  readonly eventRetention?: number;
  /** Events older than this many milliseconds are dropped; default: kept whatever their age. */
  readonly eventMaxAgeMs?: number | undefined;
  /** The clock that ages events; default `Date.now`. */
  readonly now?: () => number;
  /**
   * Keep every document and event as JSON text instead of by reference, so the store holds exactly what a durable
   * adapter would write: what the conformance suite runs the memory adapter with.
   */
  readonly json?: boolean;
}

/**
 * The in-memory adapter: documents in maps, events in a bounded ring. For tests, benchmarks and throw-away servers;
 * nothing survives the process.
 */
export class MemoryStore implements Store {
  readonly flushTiming = 'microtask';
  readonly #documents = new Map<DocumentKind, Map<string, StoredDocument | string>>();
  readonly #retention: number;
  readonly #maxAgeMs: number | undefined;
  readonly #now: () => number;
  readonly #json: boolean;
  #events: Array<RouterEvent | string> = [];
  #eventsStart = 0;
  #lastSequenceNumber = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#retention = options.eventRetention ?? 100_000;
    this.#maxAgeMs = options.eventMaxAgeMs;
    this.#now = options.now ?? Date.now;
    this.#json = options.json ?? false;
  }

  async load(): Promise<StoredState> {
    const documents = this.#documents;
    const json = this.#json;
    return {
      *documents(kind) {
        const collection = documents.get(kind);
        if (!collection) return;
        for (const id of [...collection.keys()].sort(compareIds)) {
          const doc = collection.get(id)!;
          yield [id, json ? (JSON.parse(doc as string) as StoredDocument) : (doc as StoredDocument)] as const;
        }
      },
      lastSequenceNumber: this.#lastSequenceNumber,
      freshDocuments: json,
    };
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.commitSync(batch);
  }

  /** The same as `commit`, for callers that know the store is in memory. */
  commitSync(batch: CommitBatch): void {
    // Serialised before anything is applied, so a batch that cannot be is refused whole.
    const puts = this.#json ? batch.puts.map(({ kind, id, doc }) => ({ kind, id, doc: JSON.stringify(doc) })) : batch.puts;
    const events = this.#json ? batch.events.map((event) => JSON.stringify(event)) : batch.events;
    for (const { kind, id, doc } of puts) this.#collection(kind).set(id, doc);
    for (const { kind, id } of batch.deletes) this.#collection(kind).delete(id);
    for (const event of events) this.#events.push(event);
    const last = batch.events.at(-1);
    if (last) this.#lastSequenceNumber = last.sequenceNumber;
    this.#prune();
  }

  async readEvents(from: number, limit: number): Promise<RouterEvent[]> {
    const first = this.#event(this.#eventsStart);
    if (!first) return [];
    const start = this.#eventsStart + Math.max(0, from - first.sequenceNumber);
    const page: RouterEvent[] = [];
    for (let index = start; index < this.#events.length && page.length < limit; index++) page.push(this.#event(index)!);
    return page;
  }

  oldestRetainedSequence(): number {
    return this.#event(this.#eventsStart)?.sequenceNumber ?? this.#lastSequenceNumber + 1;
  }

  async close(): Promise<void> {}

  #prune(): void {
    const live = this.#events.length - this.#eventsStart;
    if (live > this.#retention) this.#eventsStart += live - this.#retention;
    if (this.#maxAgeMs !== undefined) {
      const cutoff = this.#now() - this.#maxAgeMs;
      while (this.#eventsStart < this.#events.length && Date.parse(this.#event(this.#eventsStart)!.time) < cutoff) this.#eventsStart++;
    }
    // Compact lazily so trimming the ring costs O(1) amortised per event.
    if (this.#eventsStart > this.#retention) {
      this.#events = this.#events.slice(this.#eventsStart);
      this.#eventsStart = 0;
    }
  }

  #event(index: number): RouterEvent | undefined {
    const event = this.#events[index];
    return typeof event === 'string' ? (JSON.parse(event) as RouterEvent) : event;
  }

  #collection(kind: DocumentKind): Map<string, StoredDocument | string> {
    let collection = this.#documents.get(kind);
    if (!collection) this.#documents.set(kind, (collection = new Map()));
    return collection;
  }
}

/** Ids in UTF-16 code-unit order: a load order that does not depend on the order of writes. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
