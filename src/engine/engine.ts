import { randomUUID } from 'node:crypto';
import type { JobEvent } from '../../machines/job.machine.ts';
import type { JobPolicyState } from '../policy/job-policy-state.ts';
import { AsyncScoring } from '../policy/async-scoring.ts';
import { createRuleEvaluator } from '../rules/evaluator.ts';
import type { RuleEvaluator } from '../rules/rule-evaluator.ts';
import type { DocumentKind, Store, StoredDocument } from '../store/store.ts';
import { ActorRegistry } from './actor-registry.ts';
import { systemClock, type Clock } from './clock.ts';
import { CommitPipeline, storeUnavailable, type CommitListener, type TransitionListener } from './commit-pipeline.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { JOB_DEADLINE_KINDS, type DeadlineHandler, type DeadlineTable } from './deadline-kinds.ts';
import { EventFactory, type PendingEvent } from './event-data.ts';
import { EventLog } from './event-log.ts';
import { Matching } from './matching.ts';
import { OfferBook } from './offer-book.ts';
import { QueueDispatch } from './queue-dispatch.ts';
import type { JobRecord, WorkerRecord } from './records.ts';
import { ResourceCatalogue } from './resource-catalogue.ts';

export type { JobActor, OfferActor, QueueActor, WorkerActor } from './actor-registry.ts';
export type { JobRecord, StoredResource, Versioned, WorkerRecord } from './records.ts';

export interface EngineOptions {
  readonly store: Store;
  readonly clock?: Clock | undefined;
  /** Generates offer, assignment, event and action ids. */
  readonly newId?: (() => string) | undefined;
  /** Evaluates router rules for classification, exceptions and scoring; default `createRuleEvaluator()`. */
  readonly ruleEvaluator?: RuleEvaluator | undefined;
  /** Uniform draws in [0, 1) for weighted allocation; default `Math.random`, seeded by tests for reproducibility. */
  readonly random?: (() => number) | undefined;
}

/** What the engine holds in memory, by kind: each count returns to where it was once what raised it is deleted. */
export interface EngineFootprint {
  readonly deadlines: number;
  readonly deadlineGroups: number;
  /** Workers with declines on record, and the (job, worker) declines they hold. */
  readonly decliners: number;
  readonly declines: number;
  readonly waitEstimators: number;
  readonly preparedPolicies: number;
  readonly jobs: number;
  readonly jobActors: number;
  readonly workerActors: number;
  readonly offerActors: number;
  readonly queueActors: number;
  readonly jobsWithOffers: number;
  readonly jobsScoring: number;
}

/**
 * The engine core: commands, commits, events and deadlines. Operations (`src/operations/`) validate first and then
 * drive it; every change a command makes is committed to the store in one batch per tick before the command is
 * acknowledged. What a command changes lives in the modules it is made of, each with its own file:
 * - `actors`: every job, worker, offer and queue actor (`actor-registry.ts`);
 * - `catalogue`: policies, queues, versions and what is derived from them (`resource-catalogue.ts`);
 * - `offers`: live and ended offers, declines (`offer-book.ts`);
 * - `dispatch`: the queue supervisors, which own each queue's dispatch order (`queue-dispatch.ts`);
 * - `matching`: two-sided matching, run after each command (`matching.ts`), with asynchronous scoring in
 *   `src/policy/async-scoring.ts`.
 */
export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly events: EventFactory;
  readonly log: EventLog;
  readonly deadlines: DeadlineHeap;
  readonly ruleEvaluator: RuleEvaluator;
  readonly random: () => number;

  readonly catalogue: ResourceCatalogue;
  readonly actors: ActorRegistry;
  readonly offers: OfferBook;
  readonly dispatch: QueueDispatch;
  readonly matching: Matching;
  readonly #scoring: AsyncScoring;

  readonly #pipeline: CommitPipeline;
  /** Called for each deadline kind (`offer`, `retry`, `close`, …) when one is due; set once by `handleDeadlines`. */
  #deadlineHandlers: DeadlineTable | undefined;
  readonly #otherDocuments = new Map<DocumentKind, (id: string) => StoredDocument | undefined>();
  #stopped = false;

  constructor(options: EngineOptions, lastSequenceNumber = 0) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? randomUUID;
    this.ruleEvaluator = options.ruleEvaluator ?? createRuleEvaluator();
    this.random = options.random ?? Math.random;
    // What a machine's fact does not carry is looked up when it is heard.
    this.events = new EventFactory(this.newId, () => this.clock.now(), {
      job: (jobId) => this.actors.jobs.get(jobId)?.context.job,
      worker: (workerId) => this.actors.workerContext(workerId),
      queue: (queueId) => this.catalogue.queueResource(queueId),
    });
    this.log = new EventLog(this.store, lastSequenceNumber);
    const pipeline = (this.#pipeline = new CommitPipeline(this.store, this.log, (kind, id) => this.#document(kind, id)));
    this.deadlines = new DeadlineHeap(this.clock, (key, at) => this.#onDeadline(key, at));
    const catalogue = (this.catalogue = new ResourceCatalogue(this.clock, this.ruleEvaluator));
    // The modules call each other back through the matching coordinator, created last: hence the arrow functions.
    const registry = (this.actors = new ActorRegistry(pipeline, catalogue, this.clock, {
      holdsOffers: (jobId) => this.offers.of(jobId).size > 0,
      workerMayMatch: (workerId) => this.matching.worker(workerId),
      heard: (fact) => {
        const event = this.events.fromFact(fact);
        if (event) pipeline.emit(event);
      },
    }));
    const offers = (this.offers = new OfferBook(registry, pipeline, this.deadlines, {
      offerEnded: (jobId, queueId) => this.matching.offerEnded(jobId, queueId),
      wantMatch: (jobId) => this.matching.job(jobId),
    }));
    const dispatch = (this.dispatch = new QueueDispatch(pipeline, registry, this.clock, (jobId) => this.matching.job(jobId)));
    const parts = { registry, offers, catalogue, dispatch, clock: this.clock, newId: this.newId };
    const matching = (this.matching = new Matching(parts));
    this.#scoring = new AsyncScoring({
      matching,
      registry,
      offers,
      catalogue,
      dispatch,
      command: (apply) => (this.#stopped ? Promise.resolve() : this.command(apply)),
    });
    matching.scoreWith(this.#scoring);
  }

  now(): number {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- commands and commits

  /**
   * Runs a command: `apply` validates and then changes state synchronously (throwing a RouterError before changing
   * anything), matching runs for whatever it touched, and the promise settles once the batch holding its changes
   * and events is committed.
   */
  command<T>(apply: () => T): Promise<T> {
    let result: T;
    try {
      this.assertServing();
      result = apply();
      this.matching.drain();
      this.actors.passivateIdleJobs();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // Not an async function: one reaction on the shared batch is all a command adds to the commit.
    return this.#pipeline.whenCommitted().then(() => result);
  }

  /** Set once a commit failed; from then on every operation, reads included, is refused with `StoreUnavailable`. */
  get storeFailure(): Error | undefined {
    return this.#pipeline.failure;
  }

  /** @throws RouterError `StoreUnavailable` once a commit has failed */
  assertServing(): void {
    const failure = this.#pipeline.failure;
    if (failure) throw storeUnavailable(failure);
  }

  /** Every batch written to the store, or refused by it: for metrics and logs. */
  onCommit(listener: CommitListener): () => void {
    return this.#pipeline.onCommit(listener);
  }

  /** Resolves once every change recorded so far is committed, or its commit has failed. */
  flush(): Promise<void> {
    return this.#pipeline.whenCommitted().catch(() => undefined);
  }

  /** Marks a document as changed in this tick. */
  touch(kind: DocumentKind, id: string): void {
    this.#pipeline.touch(kind, id);
  }

  /** Marks a document as deleted in this tick, and drops what the engine derived from it. */
  forget(kind: DocumentKind, id: string): void {
    this.#pipeline.forget(kind, id);
    this.catalogue.forget(kind, id);
  }

  emit(event: PendingEvent): void {
    this.#pipeline.emit(event);
  }

  /** Every actor's state change, after the commit that holds it (see `CommitPipeline.onTransition`). */
  onTransition(listener: TransitionListener): () => void {
    return this.#pipeline.onTransition(listener);
  }

  /** Counts of what the engine holds in memory, to check that deleting things gives their memory back. */
  footprint(): EngineFootprint {
    return {
      deadlines: this.deadlines.size,
      deadlineGroups: this.deadlines.groupCount,
      ...this.offers.counts(),
      waitEstimators: this.catalogue.waitEstimators.size,
      preparedPolicies: this.catalogue.preparedPolicyCount,
      jobs: this.actors.jobs.size,
      jobActors: this.actors.liveJobCount,
      workerActors: this.actors.workers.size,
      offerActors: this.actors.offers.size,
      queueActors: this.actors.supervisors.size,
      jobsScoring: this.#scoring.size,
    };
  }

  /** The stored form of a document as it is now (`undefined` once it is gone). */
  #document(kind: DocumentKind, id: string): StoredDocument | undefined {
    if (kind === 'job' || kind === 'worker') return this.actors.document(kind, id);
    return this.catalogue.document(kind, id) ?? this.#otherDocuments.get(kind)?.(id);
  }

  /** Where the stored form of documents the engine does not hold itself (event subscriptions, …) is read. */
  provideDocuments(kind: DocumentKind, read: (id: string) => StoredDocument | undefined): void {
    this.#otherDocuments.set(kind, read);
  }

  // ---------------------------------------------------------------- deadlines

  /** Says what to do for every kind of deadline (`src/operations/deadlines.ts`), once, when the router opens. */
  handleDeadlines(table: DeadlineTable): void {
    this.#deadlineHandlers = table;
  }

  #onDeadline(key: string, at: number): void {
    const colon = key.indexOf(':');
    const handler: DeadlineHandler | undefined = (this.#deadlineHandlers as Record<string, DeadlineHandler> | undefined)?.[key.slice(0, colon)];
    if (!handler) return;
    this.command(() => handler(key.slice(colon + 1), at)).catch(() => {
      // A deadline has no caller to answer; a failed commit already stopped the router.
    });
  }

  // ---------------------------------------------------------------- what spans modules

  /** The job's current record; for a live job it reflects the actor's latest snapshot. */
  job(jobId: string): JobRecord | undefined {
    return this.actors.jobs.get(jobId);
  }

  /** Sends an event to a job's actor (reactivating it if passivated) and records the result. */
  sendJob(jobId: string, event: JobEvent, enqueueSeq?: number): JobRecord {
    return this.actors.sendJob(jobId, event, enqueueSeq);
  }

  /** Replaces the policy engine's state of a job without an actor event. */
  setPolicyState(jobId: string, policy: JobPolicyState | undefined): void {
    this.actors.updateRecord(jobId, { policy });
  }

  /** Restores a stored job without actors (they are created on demand). */
  restoreJob(record: JobRecord): void {
    this.actors.restoreJob(record);
    this.offers.restored(record.context.job.id, record.declines);
    this.dispatch.restored(record);
  }

  /** Restores a stored worker and the offers it holds. */
  restoreWorker(record: WorkerRecord): void {
    this.actors.restoreWorker(record);
    this.offers.restoreHeldBy(record.context);
  }

  deleteJob(jobId: string): void {
    const declines = this.actors.jobs.get(jobId)?.declines;
    this.actors.deleteJob(jobId);
    for (const kind of JOB_DEADLINE_KINDS) this.deadlines.cancelGroup(kind, jobId);
    this.offers.jobDeleted(jobId, declines);
    this.forget('job', jobId);
  }

  deleteWorker(workerId: string): void {
    if (!this.actors.deleteWorker(workerId)) return;
    // Its declines go with it; a worker created later under the same id starts with none.
    this.offers.clearDeclinesOf(workerId);
    this.forget('worker', workerId);
  }

  /** Stops timers and actors; the store is closed by its owner. */
  stop(): void {
    this.#stopped = true;
    this.deadlines.stop();
    this.actors.stopAll();
  }
}
