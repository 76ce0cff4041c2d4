import { RouterError } from '../errors.ts';
import type { CommitBatch, DocumentKind, Store, StoredDocument } from '../store/store.ts';
import type { PendingEvent } from './event-data.ts';
import type { EventLog } from './event-log.ts';

/** The refusal of every operation once a commit has failed: memory may hold what the store does not. */
export function storeUnavailable(failure: Error): RouterError {
  return new RouterError('StoreUnavailable', `the store failed to commit (${failure.message}); nothing unacknowledged was kept, and the router serves nothing until it is restarted`);
}

/** The kinds of actor whose state changes are streamed. */
export const ACTOR_KINDS = ['job', 'offer', 'worker', 'queue'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** One actor's current state, as a transitions snapshot lists it. */
export interface ActorState {
  readonly kind: ActorKind;
  readonly id: string;
  readonly state: string;
}

/** A state change of one actor, for live state-chart views. */
export interface Transition {
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  /** `null` when the actor was just created. */
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
}

export type TransitionListener = (transition: Transition) => void;

/** What one batch written to the store was, for metrics and logs. */
export interface CommitReport {
  readonly durationMs: number;
  readonly documents: number;
  readonly events: number;
  /** Set when the store refused the batch. */
  readonly failure?: Error | undefined;
}

export type CommitListener = (report: CommitReport) => void;

/**
 * Collects what the commands of one tick change — documents, events, transitions — and writes it to the store in one
 * batch (group commit). Events are numbered and published, and transitions delivered, only after the store has the
 * batch, so nobody observes what could still be lost.
 */
export class CommitPipeline {
  readonly #store: Store;
  readonly #log: EventLog;
  /** Reads a document's current form when its batch is written. */
  readonly #document: (kind: DocumentKind, id: string) => StoredDocument | undefined;
  readonly #dirty = new Map<string, { kind: DocumentKind; id: string }>();
  readonly #deleted = new Map<string, { kind: DocumentKind; id: string }>();
  #events: PendingEvent[] = [];
  /** Each listener with the number of the first recorded transition it is owed. */
  readonly #transitionListeners = new Map<TransitionListener, number>();
  readonly #commitListeners = new Set<CommitListener>();
  #transitions: Transition[] = [];
  /** How many transitions were ever recorded: the number the next one gets. */
  #recorded = 0;
  #batch: Promise<void> | undefined;
  #committing: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  constructor(store: Store, log: EventLog, document: (kind: DocumentKind, id: string) => StoredDocument | undefined) {
    this.#store = store;
    this.#log = log;
    this.#document = document;
  }

  /**
   * Set once a commit failed, or the store can write nothing more: memory then holds changes the store does not (or
   * another router now writes to it), and no command may be acknowledged.
   */
  get failure(): Error | undefined {
    return this.#failure ?? this.#store.failure;
  }

  /** Marks a document as changed in this tick. */
  touch(kind: DocumentKind, id: string): void {
    const key = `${kind}:${id}`;
    this.#deleted.delete(key);
    this.#dirty.set(key, { kind, id });
  }

  /** Marks a document as deleted in this tick. */
  forget(kind: DocumentKind, id: string): void {
    const key = `${kind}:${id}`;
    this.#dirty.delete(key);
    this.#deleted.set(key, { kind, id });
  }

  emit(event: PendingEvent): void {
    this.#events.push(event);
  }

  /**
   * Every state change of job, offer, worker and queue actors, delivered after the commit that holds it. Nothing is
   * recorded while nobody listens (DESIGN rule 6: inspection costs only while someone watches).
   *
   * A listener receives only the changes recorded after it was added, even those of a batch already under way: the
   * state it reads right when adding itself already holds the earlier ones, so a snapshot taken in the same
   * synchronous step is followed by exactly the changes it does not show.
   */
  onTransition(listener: TransitionListener): () => void {
    this.#transitionListeners.set(listener, this.#recorded);
    return () => this.#transitionListeners.delete(listener);
  }

  /** Every batch written (or refused), after the store answered. */
  onCommit(listener: CommitListener): () => void {
    this.#commitListeners.add(listener);
    return () => this.#commitListeners.delete(listener);
  }

  recordTransition(kind: Transition['actor']['kind'], id: string, from: string | null, to: string, event: string): void {
    if (this.#transitionListeners.size === 0 || from === to) return;
    this.#transitions.push({ actor: { kind, id }, from, to, event });
    this.#recorded += 1;
  }

  /** Settles when everything recorded so far is committed. Commands of the same tick share one batch. */
  whenCommitted(): Promise<void> {
    if (this.#batch) return this.#batch;
    // Batches commit one at a time, in order. In memory the next one starts in a microtask behind the one before
    // (a promise reaction: no timer, and none of the async-context bookkeeping of `queueMicrotask`); a store that
    // writes to disk or a server first lets the event loop turn once, so that what arrives together commits together.
    const previous = this.#committing;
    const ready = this.#store.flushTiming === 'microtask' ? previous : nextTurn().then(() => previous);
    const batch = ready.then(this.#flush);
    this.#batch = batch;
    this.#committing = batch.then(undefined, ignore);
    return batch;
  }

  /** Closes the batch under way, so that later changes start the next one, and commits it. */
  readonly #flush = (): Promise<void> => {
    this.#batch = undefined;
    return this.#commit();
  };

  async #commit(): Promise<void> {
    if (this.#failure) throw storeUnavailable(this.#failure);
    if (this.#dirty.size === 0 && this.#deleted.size === 0 && this.#events.length === 0) return;
    const puts: Array<CommitBatch['puts'][number]> = [];
    for (const { kind, id } of this.#dirty.values()) {
      const doc = this.#document(kind, id);
      if (doc) puts.push({ kind, id, doc });
    }
    const deletes = [...this.#deleted.values()];
    const events = this.#log.number(this.#events);
    this.#dirty.clear();
    this.#deleted.clear();
    this.#events = [];
    if (puts.length === 0 && deletes.length === 0 && events.length === 0) return;
    const startedAt = performance.now();
    const report = (failure?: Error) => {
      if (this.#commitListeners.size === 0) return;
      const done = { durationMs: performance.now() - startedAt, documents: puts.length + deletes.length, events: events.length, failure };
      for (const listener of this.#commitListeners) listener(done);
    };
    try {
      await this.#store.commit({ puts, deletes, events });
    } catch (cause) {
      this.#failure = cause instanceof Error ? cause : new Error(String(cause));
      report(this.#failure);
      throw storeUnavailable(this.#failure);
    }
    report();
    this.#log.publish(events);
    const transitions = this.#transitions;
    const first = this.#recorded - transitions.length;
    this.#transitions = [];
    transitions.forEach((transition, index) => {
      for (const [listener, owedFrom] of this.#transitionListeners) if (first + index >= owedFrom) listener(transition);
    });
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function ignore(): void {}
