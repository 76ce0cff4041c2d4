import { randomUUID } from 'node:crypto';
import { createActor, type Actor } from 'xstate';
import { jobMachine, jobStatusHasTag, type JobData, type JobEvent } from '../../machines/job.machine.ts';
import { offerMachine, type OfferContext } from '../../machines/offer.machine.ts';
import { queueMachine } from '../../machines/queue.machine.ts';
import { workerMachine, type WorkerContext, type WorkerEvent } from '../../machines/worker.machine.ts';
import { RouterError } from '../errors.ts';
import { hasSpareCapacity, mayHoldAnotherOffer } from '../matching/capacity.ts';
import { rankWorkers } from '../matching/distribution.ts';
import { isEligible } from '../matching/eligibility.ts';
import { dispatchesBefore, type IndexEntry } from '../matching/queue-index.ts';
import type { DistributionView, JobView, SelectorView, WorkerScorer, WorkerView } from '../matching/types.ts';
import type { ClassificationPolicy } from '../protocol/classification-policy.schemas.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { ExceptionPolicy } from '../protocol/exception-policy.schemas.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import type { JobPolicyState } from '../policy/job-policy-state.ts';
import { createAsyncScorer, createScorer, type AsyncWorkerScorer } from '../policy/scoring.ts';
import { createRuleEvaluator } from '../rules/evaluator.ts';
import type { RuleEvaluator } from '../rules/rule-evaluator.ts';
import type { DocumentKind, Store, StoredDocument } from '../store/store.ts';
import { systemClock, type Clock } from './clock.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { encodeJob, encodeResource, encodeWorker } from './document-codec.ts';
import { EventFactory, type PendingEvent } from './event-data.ts';
import { EventLog } from './event-log.ts';
import { OrderedIdMap } from './ordered-ids.ts';
import { WaitEstimator } from './wait-estimator.ts';
import { WorkerPools } from './worker-pools.ts';
import {
  ACTOR_KINDS,
  CommitPipeline,
  storeUnavailable,
  type ActorKind,
  type ActorState,
  type CommitListener,
  type TransitionListener,
} from './commit-pipeline.ts';
import { toIso } from '../time.ts';
import type { JobRecord, StoredResource, Versioned, WorkerRecord } from './records.ts';

export type { JobRecord, StoredResource, Versioned, WorkerRecord } from './records.ts';

export type JobActor = Actor<typeof jobMachine>;
export type WorkerActor = Actor<typeof workerMachine>;
export type OfferActor = Actor<typeof offerMachine>;
export type QueueActor = Actor<typeof queueMachine>;

/** Told when a job enters a queue's dispatch order afresh (not re-indexed) and when it leaves it. */
export interface QueueChangeListener {
  enqueued(jobId: string, queueId: string): void;
  dequeued(jobId: string, queueId: string): void;
}

/** Which policy a queue's jobs are offered under, prepared for matching. */
interface PreparedPolicy {
  readonly policy: DistributionPolicy;
  readonly view: DistributionView;
  /** bestWorker with a `function` or `webhook` scoring rule: jobs are scored outside the command (docs/policies.md). */
  readonly asyncScorer?: AsyncWorkerScorer | undefined;
}


/** How an offer ended, kept for a while so a late accept or decline is answered precisely. */
type OfferOutcome = 'accepted' | 'declined' | 'expired' | 'revoked';

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

/** How many ended offers are remembered to answer late accepts with 409 rather than 404. */
const ENDED_OFFER_MEMORY = 100_000;

/** The deadline kinds whose subject is a job (`<kind>:<jobId>[|…]`): a deleted job takes them with it. */
const JOB_DEADLINE_KINDS = ['close', 'schedule', 'selectors', 'exception', 'retry'] as const;

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

const EMPTY_SET: ReadonlySet<string> = new Set();
const NO_OFFERS: ReadonlyMap<string, string> = new Map();

/**
 * The engine: a registry of independent root actors (jobs, workers, offers, one supervisor per queue), the deadline
 * heap, command batching and the event log. Operations (`src/operations/`) validate first and then drive it; every
 * change a command makes is committed to the store in one batch per tick before the command is acknowledged.
 */
export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly events: EventFactory;
  readonly log: EventLog;
  readonly deadlines: DeadlineHeap;

  readonly distributionPolicies = new OrderedIdMap<StoredResource<DistributionPolicy>>();
  readonly classificationPolicies = new OrderedIdMap<StoredResource<ClassificationPolicy>>();
  readonly exceptionPolicies = new OrderedIdMap<StoredResource<ExceptionPolicy>>();
  readonly queues = new OrderedIdMap<StoredResource<RouterQueue>>();
  readonly supervisors = new Map<string, QueueActor>();
  readonly jobs = new OrderedIdMap<JobRecord>();
  readonly workers = new OrderedIdMap<WorkerActor>();
  readonly workerVersions = new Map<string, Versioned>();
  readonly offers = new Map<string, OfferActor>();
  readonly endedOffers = new Map<string, { workerId: string; outcome: OfferOutcome }>();
  readonly waitEstimators = new Map<string, WaitEstimator>();

  readonly #liveJobs = new Map<string, JobActor>();
  /** Live offers per job: offer id → worker id. */
  readonly #jobOffers = new Map<string, Map<string, string>>();
  /** Registered and idle workers per queue, the candidates for new jobs. */
  readonly #pools = new WorkerPools();
  readonly #pipeline: CommitPipeline;
  readonly #preparedPolicies = new Map<string, PreparedPolicy>();
  /** Jobs whose asynchronous scoring is under way: job id → generation of that scoring. */
  readonly #scoring = new Map<string, number>();
  #scoringGeneration = 0;
  #stopped = false;

  readonly #boot = randomUUID().slice(0, 8);
  #version = 0;
  #enqueueSeq = 0;

  readonly #jobsToMatch = new Set<string>();
  readonly #mayPassivate = new Set<string>();
  /** Jobs each worker has declined, so re-registration clears them without scanning every job. */
  readonly #declinedBy = new Map<string, Set<string>>();
  readonly #workersToMatch = new Set<string>();

  /** Called for each deadline key prefix (`offer`, `retry`, `close`, …) when it is due. */
  readonly #deadlineHandlers = new Map<string, (rest: string, at: number) => void>();
  readonly #otherDocuments = new Map<DocumentKind, (id: string) => StoredDocument | undefined>();
  readonly #queueListeners: QueueChangeListener[] = [];
  readonly ruleEvaluator: RuleEvaluator;
  readonly random: () => number;

  constructor(options: EngineOptions, lastSequenceNumber = 0) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? randomUUID;
    this.ruleEvaluator = options.ruleEvaluator ?? createRuleEvaluator();
    this.random = options.random ?? Math.random;
    this.events = new EventFactory(this.newId, () => this.clock.now());
    this.log = new EventLog(this.store, lastSequenceNumber);
    this.#pipeline = new CommitPipeline(this.store, this.log, (kind, id) => this.#document(kind, id));
    this.deadlines = new DeadlineHeap(this.clock, (key, at) => this.#onDeadline(key, at));
    this.onDeadline('offer', (offerId, at) => this.endOffer(offerId, 'expired', at));
    this.onDeadline('retry', (key) => this.#retryDecline(key));
  }

  now(): number {
    return this.clock.now();
  }

  /** A fresh etag and timestamp for a resource that just changed. */
  nextVersion(): Versioned {
    return { etag: `"${this.#boot}-${(++this.#version).toString(16)}"`, lastModified: this.now() };
  }

  // ---------------------------------------------------------------- commands and commits

  /**
   * Runs a command: `apply` validates and then changes state synchronously (throwing a RouterError before changing
   * anything), matching runs for whatever it touched, and the promise settles once the batch holding its changes
   * and events is committed.
   */
  async command<T>(apply: () => T): Promise<T> {
    this.assertServing();
    const result = apply();
    this.#drainMatching();
    this.#passivateIdleJobs();
    await this.#pipeline.whenCommitted();
    return result;
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
    if (kind === 'queue') this.waitEstimators.delete(id);
    if (kind === 'distributionPolicy') this.#preparedPolicies.delete(id);
  }

  /** Counts of what the engine holds in memory, to check that deleting things gives their memory back. */
  footprint(): EngineFootprint {
    let declines = 0;
    for (const jobs of this.#declinedBy.values()) declines += jobs.size;
    return {
      deadlines: this.deadlines.size,
      deadlineGroups: this.deadlines.groupCount,
      decliners: this.#declinedBy.size,
      declines,
      waitEstimators: this.waitEstimators.size,
      preparedPolicies: this.#preparedPolicies.size,
      jobs: this.jobs.size,
      jobActors: this.#liveJobs.size,
      workerActors: this.workers.size,
      offerActors: this.offers.size,
      queueActors: this.supervisors.size,
      jobsWithOffers: this.#jobOffers.size,
      jobsScoring: this.#scoring.size,
    };
  }

  emit(event: PendingEvent): void {
    this.#pipeline.emit(event);
  }

  /** Every actor's state change, after the commit that holds it (see `CommitPipeline.onTransition`). */
  onTransition(listener: TransitionListener): () => void {
    return this.#pipeline.onTransition(listener);
  }

  /**
   * The current state of the actors of `kinds` (all kinds when absent), only those named in `ids` when given: every
   * job, worker and queue, and every live offer (an ended offer's actor is gone). Called in the same synchronous step
   * as `onTransition`, it shows exactly what that listener's first transitions start from.
   */
  actorStates(kinds: ReadonlySet<ActorKind> | undefined, ids: ReadonlySet<string> | undefined): ActorState[] {
    const states: ActorState[] = [];
    const sources: { [K in ActorKind]: (id: string) => string | undefined } = {
      job: (id) => this.jobs.get(id)?.status,
      offer: (id) => this.offers.get(id)?.getSnapshot().value,
      worker: (id) => this.workers.get(id)?.getSnapshot().value,
      queue: (id) => this.supervisors.get(id)?.getSnapshot().value,
    };
    const all: { [K in ActorKind]: Iterable<string> } = {
      job: this.jobs.keys(),
      offer: this.offers.keys(),
      worker: this.workers.keys(),
      queue: this.supervisors.keys(),
    };
    for (const kind of ACTOR_KINDS) {
      if (kinds && !kinds.has(kind)) continue;
      for (const id of ids ?? all[kind]) {
        const state = sources[kind](id);
        if (state !== undefined) states.push({ kind, id, state });
      }
    }
    return states;
  }

  /** The stored form of a document as it is now (`undefined` once it is gone). */
  #document(kind: DocumentKind, id: string): StoredDocument | undefined {
    switch (kind) {
      case 'job': {
        const record = this.jobs.get(id);
        return record && encodeJob(record);
      }
      case 'worker': {
        const record = this.workerRecord(id);
        return record && encodeWorker(record);
      }
      case 'queue':
        return this.#encodeResource(this.queues.get(id));
      case 'distributionPolicy':
        return this.#encodeResource(this.distributionPolicies.get(id));
      case 'classificationPolicy':
        return this.#encodeResource(this.classificationPolicies.get(id));
      case 'exceptionPolicy':
        return this.#encodeResource(this.exceptionPolicies.get(id));
      default:
        return this.#otherDocuments.get(kind)?.(id);
    }
  }

  /** Where the stored form of documents the engine does not hold itself (event subscriptions, …) is read. */
  provideDocuments(kind: DocumentKind, read: (id: string) => StoredDocument | undefined): void {
    this.#otherDocuments.set(kind, read);
  }

  #encodeResource(stored: StoredResource<unknown> | undefined): StoredDocument | undefined {
    return stored && encodeResource(stored);
  }

  // ---------------------------------------------------------------- deadlines

  /** Registers what to do when a deadline keyed `prefix:rest` is due. */
  onDeadline(prefix: string, handler: (rest: string, at: number) => void): void {
    this.#deadlineHandlers.set(prefix, handler);
  }

  #onDeadline(key: string, at: number): void {
    const colon = key.indexOf(':');
    const handler = this.#deadlineHandlers.get(key.slice(0, colon));
    if (!handler) return;
    this.command(() => handler(key.slice(colon + 1), at)).catch(() => {
      // A deadline has no caller to answer; a failed commit already stopped the router.
    });
  }

  // ---------------------------------------------------------------- jobs

  /** The job's current record; for a live job it reflects the actor's latest snapshot. */
  job(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  /** Creates the actor of a new job in `created` and records it. */
  createJob(job: JobData): JobRecord {
    const actor = createActor(jobMachine, { input: { job } }).start();
    this.#liveJobs.set(job.id, actor);
    this.#pipeline.recordTransition('job', job.id, null, 'created', 'job.create');
    return this.#syncJob(job.id, actor, 0);
  }

  /** Whether the job's machine accepts `event` in its current state (guards included). */
  canSendJob(jobId: string, event: JobEvent): boolean {
    const live = this.#liveJobs.get(jobId);
    if (live) return live.getSnapshot().can(event);
    // Asking a passivated job is answered from its record, so a refused command does not leave an actor behind.
    const record = this.jobs.get(jobId);
    if (!record) throw new RouterError('NotFound', `job ${jobId} does not exist`, 'jobId');
    return jobMachine.resolveState({ value: record.status, context: record.context }).can(event);
  }

  /** Sends an event to a job's actor (reactivating it if passivated) and records the result. */
  sendJob(jobId: string, event: JobEvent, enqueueSeq?: number): JobRecord {
    const actor = this.#jobActor(jobId);
    const from = actor.getSnapshot().value;
    actor.send(event);
    const record = this.#syncJob(jobId, actor, enqueueSeq ?? this.jobs.get(jobId)?.enqueueSeq ?? 0);
    this.#pipeline.recordTransition('job', jobId, from, record.status, event.type);
    this.#mayPassivate.add(jobId);
    return record;
  }

  /** Replaces the matching metadata of a job record without an actor event. */
  #setDeclines(jobId: string, declines: Readonly<Record<string, number>> | undefined): void {
    const record = this.jobs.get(jobId);
    if (!record) return;
    this.jobs.set(jobId, { ...record, declines });
    this.touch('job', jobId);
  }

  /** Replaces the policy engine's state of a job without an actor event. */
  setPolicyState(jobId: string, policy: JobPolicyState | undefined): void {
    const record = this.jobs.get(jobId);
    if (!record) return;
    this.jobs.set(jobId, { ...record, policy });
    this.touch('job', jobId);
  }

  deleteJob(jobId: string): void {
    const declines = this.jobs.get(jobId)?.declines;
    this.#liveJobs.get(jobId)?.stop();
    this.#liveJobs.delete(jobId);
    this.jobs.delete(jobId);
    for (const kind of JOB_DEADLINE_KINDS) this.deadlines.cancelGroup(kind, jobId);
    for (const workerId of Object.keys(declines ?? {})) {
      const declined = this.#declinedBy.get(workerId);
      declined?.delete(jobId);
      if (declined?.size === 0) this.#declinedBy.delete(workerId);
    }
    this.forget('job', jobId);
  }

  /** Restores a stored job without actors (they are created on demand). */
  restoreJob(record: JobRecord): void {
    this.jobs.set(record.context.job.id, record);
    for (const workerId of Object.keys(record.declines ?? {})) {
      let declined = this.#declinedBy.get(workerId);
      if (!declined) this.#declinedBy.set(workerId, (declined = new Set()));
      declined.add(record.context.job.id);
    }
    this.#enqueueSeq = Math.max(this.#enqueueSeq, record.enqueueSeq);
  }

  #jobActor(jobId: string): JobActor {
    let actor = this.#liveJobs.get(jobId);
    if (actor) return actor;
    const record = this.jobs.get(jobId);
    if (!record) throw new RouterError('NotFound', `job ${jobId} does not exist`, 'jobId');
    actor = createActor(jobMachine, {
      snapshot: jobMachine.resolveState({ value: record.status, context: record.context }),
      input: { job: record.context.job },
    }).start();
    this.#liveJobs.set(jobId, actor);
    return actor;
  }

  #syncJob(jobId: string, actor: JobActor, enqueueSeq: number): JobRecord {
    const snapshot = actor.getSnapshot();
    const previous = this.jobs.get(jobId);
    const changed = !previous || previous.context !== snapshot.context || previous.status !== snapshot.value;
    const record: JobRecord = {
      status: snapshot.value as RouterJobStatus,
      context: snapshot.context,
      enqueueSeq,
      declines: previous?.declines,
      policy: previous?.policy,
      ...(changed || !previous ? this.nextVersion() : { etag: previous.etag, lastModified: previous.lastModified }),
    };
    this.jobs.set(jobId, record);
    if (changed) this.touch('job', jobId);
    return record;
  }

  /**
   * DESIGN rule 3: a job that is only waiting keeps its record and index entry, not an actor. Checked once a
   * command and its matching are done, so a job that is about to be offered keeps its actor.
   */
  #passivateIdleJobs(): void {
    for (const jobId of this.#mayPassivate) {
      const record = this.jobs.get(jobId);
      if (record && (jobStatusHasTag(record.status, 'holdsAssignment') || this.#jobOffers.has(jobId))) continue;
      this.#liveJobs.get(jobId)?.stop();
      this.#liveJobs.delete(jobId);
    }
    this.#mayPassivate.clear();
  }

  // ---------------------------------------------------------------- queue index

  /** Puts a queued job into its queue's dispatch order and asks for it to be matched. */
  enqueue(jobId: string): void {
    const record = this.jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    if (!record || record.status !== 'queued' || queueId === undefined) return;
    const supervisor = this.supervisors.get(queueId);
    if (!supervisor) return;
    const enqueueSeq = ++this.#enqueueSeq;
    this.jobs.set(jobId, { ...record, enqueueSeq });
    this.#sendQueue(supervisor, { type: 'queue.enqueue', entry: this.#indexEntry(record, enqueueSeq) });
    this.#jobsToMatch.add(jobId);
    for (const listener of this.#queueListeners) listener.enqueued(jobId, queueId);
  }

  /** Refreshes a queued job's entry after its priority or selectors changed, keeping its place in line. */
  reindex(jobId: string): void {
    const record = this.jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    if (!record || queueId === undefined || !this.supervisors.get(queueId)?.getSnapshot().context.index.get(jobId)) return;
    this.#restoreQueued(record);
    this.#jobsToMatch.add(jobId);
  }

  /**
   * Puts a queued job back into its queue's dispatch order at the place its `enqueueSeq` gives it, without matching
   * it: see {@link settleRestoredQueues}.
   */
  #restoreQueued(record: JobRecord): void {
    const queueId = record.context.job.queueId;
    const supervisor = queueId === undefined ? undefined : this.supervisors.get(queueId);
    if (!supervisor || record.status !== 'queued') return;
    this.#sendQueue(supervisor, { type: 'queue.enqueue', entry: this.#indexEntry(record, record.enqueueSeq) });
  }

  /** `restoreQueued` for every stored job at once: one supervisor event per queue, not one per job. */
  restoreAllQueued(records: Iterable<JobRecord>): void {
    const byQueue = new Map<string, JobRecord[]>();
    for (const record of records) {
      const queueId = record.context.job.queueId;
      if (queueId === undefined || record.status !== 'queued' || !this.supervisors.has(queueId)) continue;
      let queued = byQueue.get(queueId);
      if (!queued) byQueue.set(queueId, (queued = []));
      queued.push(record);
    }
    for (const [queueId, queued] of byQueue)
      this.#sendQueue(this.supervisors.get(queueId)!, { type: 'queue.restore', entries: this.#storedEntries(queued) });
  }

  /** Index entries made as they are read, so that a million of them need not exist at once. */
  *#storedEntries(records: readonly JobRecord[]): Generator<IndexEntry> {
    for (const record of records) yield this.#indexEntry(record, record.enqueueSeq);
  }

  /**
   * Finishes a restore once jobs, workers and offers are back. Matching is not run again: every command ends with
   * matching at its fixpoint before it commits, so the stored state is one where nothing more could be offered, and
   * what time changes while the router is down (offer expiry, decline retries, selector expiry) comes back as
   * deadlines that fire and match. Re-matching a million queued jobs against every worker would make a restart take
   * hours. What is rebuilt: parking of jobs whose offers are full, and scoring over HTTP that was in flight.
   */
  settleRestoredQueues(): void {
    // Only a job holding offers can be full.
    for (const jobId of this.#jobOffers.keys()) {
      const queueId = this.jobs.get(jobId)?.context.job.queueId;
      const prepared = queueId === undefined ? undefined : this.policyOf(queueId);
      if (prepared) this.#parkIfFull(jobId, queueId!, prepared.view.maxConcurrentOffers);
    }
    for (const [queueId, supervisor] of this.supervisors)
      if (this.policyOf(queueId)?.asyncScorer !== undefined)
        for (const { jobId } of supervisor.getSnapshot().context.index.entries()) this.#jobsToMatch.add(jobId);
  }

  /** Takes a job out of its queue's dispatch order. */
  dequeue(jobId: string, queueId: string | undefined): void {
    if (queueId === undefined) return;
    const supervisor = this.supervisors.get(queueId);
    if (!supervisor?.getSnapshot().context.index.get(jobId)) return;
    this.#sendQueue(supervisor, { type: 'queue.remove', jobId });
    for (const listener of this.#queueListeners) listener.dequeued(jobId, queueId);
  }

  /** Registers a reaction to jobs entering and leaving queues (exception policies watch waiting jobs). */
  onQueueChange(listener: QueueChangeListener): void {
    this.#queueListeners.push(listener);
  }

  /** Starts the supervisor of a queue; `created` when the queue is new rather than restored from the store. */
  startQueue(queueId: string, created: boolean): void {
    const supervisor = createActor(queueMachine, { input: { queueId } }).start();
    this.supervisors.set(queueId, supervisor);
    if (created) this.#pipeline.recordTransition('queue', queueId, null, supervisor.getSnapshot().value, 'queue.create');
  }

  #sendQueue(supervisor: QueueActor, event: Parameters<QueueActor['send']>[0]): void {
    const from = supervisor.getSnapshot().value;
    supervisor.send(event);
    this.#pipeline.recordTransition('queue', supervisor.getSnapshot().context.queueId, from, supervisor.getSnapshot().value, event.type);
  }

  #indexEntry(record: JobRecord, enqueueSeq: number): IndexEntry {
    const job = record.context.job;
    const selectors = activeSelectors(job);
    return {
      jobId: job.id,
      priority: job.priority,
      enqueueSeq,
      enqueuedAt: job.enqueuedAt ? Date.parse(job.enqueuedAt) : this.now(),
      expedite: selectors.some((selector) => selector.expedite === true),
      channelId: job.channelId ?? '',
      selectors,
    };
  }

  // ---------------------------------------------------------------- workers

  workerContext(workerId: string): WorkerContext | undefined {
    return this.workers.get(workerId)?.getSnapshot().context;
  }

  workerRecord(workerId: string): WorkerRecord | undefined {
    const actor = this.workers.get(workerId);
    const version = this.workerVersions.get(workerId);
    if (!actor || !version) return undefined;
    const snapshot = actor.getSnapshot();
    return { state: snapshot.value, context: snapshot.context, ...version };
  }

  /** Creates a new worker's actor in `inactive`. */
  createWorker(workerId: string, config: WorkerContext['config']): WorkerActor {
    const actor = this.#addWorker(createActor(workerMachine, { input: { id: workerId, config, at: this.now() } }));
    this.#pipeline.recordTransition('worker', workerId, null, actor.getSnapshot().value, 'worker.create');
    return actor;
  }

  /** Restores a stored worker and the offers it holds. */
  restoreWorker(record: WorkerRecord): void {
    const { context, state } = record;
    // The persisted form XState restores from (what `getPersistedSnapshot` gives): `restoreSnapshot` resolves the
    // state nodes itself, so going through `resolveState` first would do that work twice per worker.
    const snapshot = { status: 'active' as const, value: state, context, children: {}, historyValue: {}, output: undefined, error: undefined };
    this.#addWorker(createActor(workerMachine, { snapshot, input: { id: context.id, config: context.config, at: this.now() } }));
    this.workerVersions.set(context.id, { etag: record.etag, lastModified: record.lastModified });
    this.#restoreOffers(context);
  }

  #addWorker(actor: WorkerActor): WorkerActor {
    actor.start();
    const context = actor.getSnapshot().context;
    this.workers.set(context.id, actor);
    this.#pools.update(actor, undefined, context);
    return actor;
  }

  /** Sends an event to a worker and keeps the per-queue candidate sets and versions in step. */
  sendWorker(workerId: string, event: WorkerEvent): WorkerContext {
    const actor = this.workers.get(workerId);
    if (!actor) throw new RouterError('NotFound', `worker ${workerId} does not exist`, 'workerId');
    const { context: before, value: from } = actor.getSnapshot();
    actor.send(event);
    const { context: after, value: to } = actor.getSnapshot();
    if (after === before) return after;
    this.#pipeline.recordTransition('worker', workerId, from, to, event.type);
    this.#pools.update(actor, before, after);
    this.workerVersions.set(workerId, this.nextVersion());
    this.touch('worker', workerId);
    // Reserving only takes capacity away, so it cannot make a new match possible; everything else may.
    if (after.active && event.type !== 'worker.reserve') this.#workersToMatch.add(workerId);
    return after;
  }

  deleteWorker(workerId: string): void {
    const actor = this.workers.get(workerId);
    if (!actor) return;
    this.#pools.update(actor, actor.getSnapshot().context, undefined);
    actor.stop();
    this.workers.delete(workerId);
    this.workerVersions.delete(workerId);
    // Its declines go with it; a worker created later under the same id starts with none.
    this.clearDeclinesOf(workerId);
    this.forget('worker', workerId);
  }

  /** Asks for matching of everything a queue could now dispatch (its policy or registration changed). */
  matchQueue(queueId: string): void {
    for (const actor of this.#pools.registered(queueId) ?? []) this.#workersToMatch.add(actor.getSnapshot().context.id);
  }

  matchJob(jobId: string): void {
    this.#jobsToMatch.add(jobId);
  }

  /** A queue's wire resource (for worker registration events). */
  queueResource(queueId: string): RouterQueue | undefined {
    return this.queues.get(queueId)?.resource;
  }

  // ---------------------------------------------------------------- distribution policies

  /** The prepared policy of a queue, or undefined when the queue has none (its jobs wait). */
  policyOf(queueId: string): PreparedPolicy | undefined {
    const policyId = this.queues.get(queueId)?.resource.distributionPolicyId;
    if (policyId === undefined) return undefined;
    let prepared = this.#preparedPolicies.get(policyId);
    const stored = this.distributionPolicies.get(policyId);
    if (!stored) return undefined;
    if (!prepared || prepared.policy !== stored.resource) {
      const scorer = createScorer(stored.resource, this.ruleEvaluator);
      const asyncScorer = createAsyncScorer(stored.resource, this.ruleEvaluator);
      prepared = { policy: stored.resource, view: { ...distributionView(stored.resource), scorer }, asyncScorer };
      this.#preparedPolicies.set(policyId, prepared);
    }
    return prepared;
  }

  // ---------------------------------------------------------------- matching

  /** Runs matching for every job and worker a command touched, until nothing more can be offered. */
  #drainMatching(): void {
    while (this.#jobsToMatch.size > 0 || this.#workersToMatch.size > 0) {
      for (const jobId of this.#jobsToMatch) {
        this.#jobsToMatch.delete(jobId);
        this.#matchJob(jobId);
      }
      for (const workerId of this.#workersToMatch) {
        this.#workersToMatch.delete(workerId);
        this.#matchWorker(workerId);
      }
    }
  }

  /** A queued job looks for workers: the distribution mode picks among the queue's registered workers. */
  #matchJob(jobId: string): void {
    const record = this.jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    if (!record || record.status !== 'queued' || queueId === undefined) return;
    const supervisor = this.supervisors.get(queueId);
    const prepared = this.policyOf(queueId);
    if (!supervisor || !prepared || !supervisor.getSnapshot().context.index.get(jobId)) return;
    if (prepared.asyncScorer !== undefined) return this.#startScoring(record, queueId, prepared, prepared.asyncScorer);
    const live = this.#jobOffers.get(jobId)?.size ?? 0;
    const room = prepared.view.maxConcurrentOffers - live;
    if (room > 0) {
      const view = this.#jobView(record);
      const candidates =
        (prepared.view.kind === 'longestIdle' ? this.#longestIdlePrefix(view, queueId, prepared.view, room) : undefined) ??
        workerViews(this.#pools.registered(queueId));
      const { workers, cursor } = rankWorkers(view, candidates, prepared.view, supervisor.getSnapshot().context.roundRobinCursor, room);
      for (const worker of workers) this.#issueOffer(record, worker.id, queueId, prepared.policy);
      if (workers.length > 0 && prepared.view.kind === 'roundRobin') this.#sendQueue(supervisor, { type: 'queue.offered', cursor });
    }
    this.#parkIfFull(jobId, queueId, prepared.view.maxConcurrentOffers);
  }

  /** A worker with room looks for the best job across its queues, and keeps taking offers while it has room. */
  #matchWorker(workerId: string): void {
    for (;;) {
      const worker = this.workerContext(workerId);
      if (!worker?.active || !hasSpareCapacity(worker) || !mayHoldAnotherOffer(worker)) return;
      let best: { entry: IndexEntry; queueId: string; policy: PreparedPolicy } | undefined;
      for (const queueId of worker.queues) {
        const supervisor = this.supervisors.get(queueId);
        const prepared = this.policyOf(queueId);
        if (!supervisor || !prepared) continue;
        const entry = supervisor
          .getSnapshot()
          .context.index.bestFor(worker, prepared.view.bypassSelectors, (candidate) => this.#mayOffer(candidate.jobId, workerId));
        if (!entry) continue;
        // Scored over HTTP: the job is scored again with this worker among the candidates, not offered directly.
        if (prepared.asyncScorer !== undefined) this.#jobsToMatch.add(entry.jobId);
        else if (!best || dispatchesBefore(entry, best.entry)) best = { entry, queueId, policy: prepared };
      }
      if (!best) return;
      const record = this.jobs.get(best.entry.jobId)!;
      if (!this.#issueOffer(record, workerId, best.queueId, best.policy.policy)) return;
      this.#parkIfFull(best.entry.jobId, best.queueId, best.policy.view.maxConcurrentOffers);
    }
  }

  /**
   * Job-side matching under a `function`/`webhook` scoring rule: scores the eligible workers outside the command and
   * parks the job meanwhile, so worker-side matching does not offer it. One scoring per job at a time.
   */
  #startScoring(record: JobRecord, queueId: string, prepared: PreparedPolicy, scorer: AsyncWorkerScorer): void {
    const jobId = record.context.job.id;
    if (this.#scoring.has(jobId)) return;
    const max = prepared.view.maxConcurrentOffers;
    const room = max - (this.#jobOffers.get(jobId)?.size ?? 0);
    const view = this.#jobView(record);
    const candidates: WorkerView[] = [];
    if (room > 0)
      for (const worker of workerViews(this.#pools.registered(queueId)))
        if (isEligible(worker, view, prepared.view.bypassSelectors)) candidates.push(worker);
    if (candidates.length === 0) return this.#parkIfFull(jobId, queueId, max);
    const generation = ++this.#scoringGeneration;
    this.#scoring.set(jobId, generation);
    const supervisor = this.supervisors.get(queueId)!;
    if (!supervisor.getSnapshot().context.index.isParked(jobId)) this.#sendQueue(supervisor, { type: 'queue.park', jobId });
    const { etag, enqueueSeq } = record;
    scorer
      .score(view, candidates)
      .then(async (scores) => {
        if (!this.#stopped) await this.command(() => this.#applyScores(jobId, queueId, generation, etag, enqueueSeq, candidates, scores));
      })
      .catch(() => {
        // No caller to answer; a failed commit already stopped the router.
      });
  }

  /**
   * Scores arrived: if the job is still queued where it was, unchanged, offers it to the best of the scored workers
   * that are still eligible. Otherwise the result is dropped and a job still queued is matched again.
   */
  #applyScores(
    jobId: string,
    queueId: string,
    generation: number,
    etag: string,
    enqueueSeq: number,
    scored: readonly WorkerView[],
    scores: readonly number[],
  ): void {
    if (this.#scoring.get(jobId) !== generation) return;
    this.#scoring.delete(jobId);
    const record = this.jobs.get(jobId);
    const supervisor = this.supervisors.get(queueId);
    const prepared = this.policyOf(queueId);
    if (!record || record.status !== 'queued' || record.context.job.queueId !== queueId) return;
    if (!supervisor?.getSnapshot().context.index.get(jobId) || !prepared) return;
    if (record.etag !== etag || record.enqueueSeq !== enqueueSeq || prepared.asyncScorer === undefined) {
      this.#jobsToMatch.add(jobId);
      return;
    }
    const max = prepared.view.maxConcurrentOffers;
    const room = max - (this.#jobOffers.get(jobId)?.size ?? 0);
    const scoreOf = new Map<string, number>();
    scored.forEach((worker, i) => scoreOf.set(worker.id, scores[i] ?? Number.NaN));
    const current: WorkerView[] = [];
    for (const { id } of scored) {
      const worker = this.workerContext(id);
      if (worker && hasSpareCapacity(worker)) current.push(worker);
    }
    const view = this.#jobView(record);
    const received: WorkerScorer = { score: (_job, workers) => workers.map((worker) => scoreOf.get(worker.id) ?? Number.NaN) };
    const { workers } = rankWorkers(view, current, { ...prepared.view, scorer: received }, undefined, room);
    const offered = new Set<string>();
    for (const worker of workers) if (this.#issueOffer(record, worker.id, queueId, prepared.policy)) offered.add(worker.id);
    // Scored workers passed over may take other jobs; workers that became free meanwhile were not scored yet.
    for (const worker of current) if (!offered.has(worker.id)) this.#workersToMatch.add(worker.id);
    this.#parkIfFull(jobId, queueId, max);
    if (offered.size < room) {
      for (const worker of workerViews(this.#pools.registered(queueId)))
        if (!scoreOf.has(worker.id) && isEligible(worker, view, prepared.view.bypassSelectors)) {
          this.#jobsToMatch.add(jobId);
          break;
        }
    }
  }

  /**
   * Longest idle prefers load 0, then the longest idle: when enough idle workers are eligible, the first of them in
   * idle order (plus any that became idle at the same instant) are the answer, and the rest of the queue's workers
   * need not be looked at. Undefined when there are not enough, and the caller scans all.
   */
  #longestIdlePrefix(job: JobView, queueId: string, policy: DistributionView, room: number): WorkerView[] | undefined {
    const prefix: WorkerView[] = [];
    let cutoff = Infinity;
    for (const actor of this.#pools.idle(queueId)) {
      const worker = actor.getSnapshot().context;
      if (worker.availableSince > cutoff) return prefix;
      if (!isEligible(worker, job, policy.bypassSelectors)) continue;
      prefix.push(worker);
      if (prefix.length === room) cutoff = worker.availableSince;
    }
    return prefix.length >= room ? prefix : undefined;
  }

  #mayOffer(jobId: string, workerId: string): boolean {
    const offers = this.#jobOffers.get(jobId);
    if (offers) for (const holder of offers.values()) if (holder === workerId) return false;
    const retryAt = this.jobs.get(jobId)?.declines?.[workerId];
    return retryAt === undefined || retryAt <= this.now();
  }

  #parkIfFull(jobId: string, queueId: string, maxConcurrentOffers: number): void {
    const supervisor = this.supervisors.get(queueId);
    const index = supervisor?.getSnapshot().context.index;
    if (!supervisor || !index?.get(jobId)) return;
    const full = (this.#jobOffers.get(jobId)?.size ?? 0) >= maxConcurrentOffers;
    if (full && !index.isParked(jobId)) this.#sendQueue(supervisor, { type: 'queue.park', jobId });
    if (!full && index.isParked(jobId)) this.#sendQueue(supervisor, { type: 'queue.unpark', jobId });
  }

  #jobView(record: JobRecord): JobView {
    const job = record.context.job;
    const offers = this.#jobOffers.get(job.id);
    const declines = record.declines;
    const now = this.now();
    return {
      id: job.id,
      queueId: job.queueId ?? '',
      channelId: job.channelId ?? '',
      priority: job.priority,
      enqueueSeq: record.enqueueSeq,
      labels: job.labels,
      selectors: activeSelectors(job),
      offeredTo: offers ? new Set(offers.values()) : EMPTY_SET,
      declinedBy: declines
        ? new Set(Object.entries(declines).filter(([, retryAt]) => retryAt > now).map(([workerId]) => workerId))
        : EMPTY_SET,
    };
  }

  // ---------------------------------------------------------------- offers

  /** Live offers of a job: offer id → worker id. */
  offersOf(jobId: string): ReadonlyMap<string, string> {
    return this.#jobOffers.get(jobId) ?? NO_OFFERS;
  }

  /** Reserves the worker's capacity and issues an offer; false when the worker could not take it after all. */
  #issueOffer(record: JobRecord, workerId: string, queueId: string, policy: DistributionPolicy): boolean {
    const job = record.context.job;
    const worker = this.workerContext(workerId);
    const channel = worker?.channels.get(job.channelId ?? '');
    if (!worker || !channel) return false;
    const now = this.now();
    const offerId = this.newId();
    const expiresAt =
      policy.offerExpiresAfterSeconds === undefined ? undefined : now + policy.offerExpiresAfterSeconds * 1000;
    const held = { offerId, jobId: job.id, channelId: job.channelId ?? '', capacityCost: channel.capacityCostPerJob, offeredAt: now, expiresAt };
    const after = this.sendWorker(workerId, { type: 'worker.reserve', offer: held });
    if (!after.offers[offerId]) return false;
    this.#startOffer({ ...held, workerId, queueId });
    this.emit(
      this.events.offer('RouterWorkerOfferIssued', { workerId, queueId, offerId }, job, {
        jobPriority: job.priority,
        workerLabels: after.labels,
        workerTags: after.config.tags,
        jobLabels: job.labels,
        jobTags: job.tags,
        offeredOn: toIso(now),
        expiresOn: expiresAt === undefined ? undefined : toIso(expiresAt),
      }),
    );
    return true;
  }

  /** Creates the offer actor, links it to its job and arms its expiry. Also used when restoring from the store. */
  #startOffer(input: Omit<OfferContext, 'endedAt' | 'retryOfferAt'>): void {
    const actor = createActor(offerMachine, { input }).start();
    this.offers.set(input.offerId, actor);
    this.#pipeline.recordTransition('offer', input.offerId, null, 'issued', 'offer.issue');
    let jobOffers = this.#jobOffers.get(input.jobId);
    if (!jobOffers) this.#jobOffers.set(input.jobId, (jobOffers = new Map()));
    jobOffers.set(input.offerId, input.workerId);
    if (input.expiresAt !== undefined) this.deadlines.arm(`offer:${input.offerId}`, input.expiresAt);
  }

  /** Restores the live offers a stored worker holds. */
  #restoreOffers(worker: WorkerContext): void {
    for (const held of Object.values(worker.offers)) {
      const queueId = this.jobs.get(held.jobId)?.context.job.queueId ?? '';
      this.#startOffer({ ...held, workerId: worker.id, queueId });
    }
  }

  /**
   * Ends a live offer: the offer actor takes its final state, the worker releases the capacity, the job may be
   * offered again. `accepted` is handled by `acceptOffer`, which converts the capacity instead of releasing it.
   */
  endOffer(offerId: string, outcome: Exclude<OfferOutcome, 'accepted'>, at: number, retryOfferAt?: number): OfferContext | undefined {
    const actor = this.offers.get(offerId);
    if (!actor || actor.getSnapshot().status === 'done') return undefined;
    const type = outcome === 'declined' ? 'offer.decline' : outcome === 'expired' ? 'offer.expire' : 'offer.revoke';
    actor.send(type === 'offer.decline' ? { type, at, retryOfferAt } : { type, at });
    if (actor.getSnapshot().status !== 'done') return undefined;
    this.#pipeline.recordTransition('offer', offerId, 'issued', outcome, type);
    const offer = actor.getSnapshot().context;
    this.#forgetOffer(offer, outcome);
    this.sendWorker(offer.workerId, { type: 'worker.offerEnded', offerId, at });
    const record = this.jobs.get(offer.jobId);
    if (record) {
      const eventType =
        outcome === 'declined' ? 'RouterWorkerOfferDeclined' : outcome === 'expired' ? 'RouterWorkerOfferExpired' : 'RouterWorkerOfferRevoked';
      this.emit(this.events.offer(eventType, offer, record.context.job, {}));
      const policy = this.policyOf(offer.queueId);
      if (policy) this.#parkIfFull(offer.jobId, offer.queueId, policy.view.maxConcurrentOffers);
      this.#jobsToMatch.add(offer.jobId);
      this.#mayPassivate.add(offer.jobId);
    }
    return offer;
  }

  /** Marks an offer accepted; the caller assigns the job. */
  acceptOffer(offerId: string, at: number): OfferContext {
    const actor = this.offers.get(offerId)!;
    actor.send({ type: 'offer.accept', at });
    this.#pipeline.recordTransition('offer', offerId, 'issued', 'accepted', 'offer.accept');
    const offer = actor.getSnapshot().context;
    this.#forgetOffer(offer, 'accepted');
    return offer;
  }

  /** Revokes every live offer of a job (it was accepted elsewhere, cancelled, moved or suspended). */
  revokeOffersOfJob(jobId: string, at: number): void {
    for (const offerId of [...this.offersOf(jobId).keys()]) this.endOffer(offerId, 'revoked', at);
  }

  #forgetOffer(offer: OfferContext, outcome: OfferOutcome): void {
    this.offers.delete(offer.offerId);
    this.deadlines.cancel(`offer:${offer.offerId}`);
    const jobOffers = this.#jobOffers.get(offer.jobId);
    jobOffers?.delete(offer.offerId);
    if (jobOffers?.size === 0) this.#jobOffers.delete(offer.jobId);
    this.endedOffers.set(offer.offerId, { workerId: offer.workerId, outcome });
    if (this.endedOffers.size > ENDED_OFFER_MEMORY) {
      const oldest = this.endedOffers.keys().next().value;
      if (oldest !== undefined) this.endedOffers.delete(oldest);
    }
  }

  /** Records a decline; with `retryOfferAt` the worker becomes eligible again then, otherwise never. */
  recordDecline(jobId: string, workerId: string, retryOfferAt: number | undefined): void {
    const record = this.jobs.get(jobId);
    if (!record) return;
    this.#setDeclines(jobId, { ...record.declines, [workerId]: retryOfferAt ?? Infinity });
    let declined = this.#declinedBy.get(workerId);
    if (!declined) this.#declinedBy.set(workerId, (declined = new Set()));
    declined.add(jobId);
    if (retryOfferAt !== undefined) this.deadlines.arm(`retry:${jobId}|${workerId}`, retryOfferAt);
  }

  /** A re-registered worker is eligible again for the jobs it declined (spec §3.3). */
  clearDeclinesOf(workerId: string): void {
    const declined = this.#declinedBy.get(workerId);
    this.#declinedBy.delete(workerId);
    for (const jobId of declined ?? []) {
      const record = this.jobs.get(jobId);
      if (record?.declines?.[workerId] === undefined) continue;
      const { [workerId]: _cleared, ...rest } = record.declines;
      this.#setDeclines(jobId, Object.keys(rest).length > 0 ? rest : undefined);
      this.deadlines.cancel(`retry:${jobId}|${workerId}`);
      this.#jobsToMatch.add(jobId);
    }
  }

  #retryDecline(key: string): void {
    const [jobId = '', workerId = ''] = key.split('|');
    const record = this.jobs.get(jobId);
    if (!record?.declines || record.declines[workerId] === undefined) return;
    const { [workerId]: _retry, ...rest } = record.declines;
    this.#setDeclines(jobId, Object.keys(rest).length > 0 ? rest : undefined);
    this.#jobsToMatch.add(jobId);
  }

  /** Remembers when a queue dispatched a job, for wait-time estimates. */
  recordDispatch(queueId: string): void {
    let estimator = this.waitEstimators.get(queueId);
    if (!estimator) this.waitEstimators.set(queueId, (estimator = new WaitEstimator()));
    estimator.record(this.now());
  }

  /** Stops timers and actors; the store is closed by its owner. */
  stop(): void {
    this.#stopped = true;
    this.deadlines.stop();
    for (const actor of [...this.#liveJobs.values(), ...this.workers.values(), ...this.offers.values(), ...this.supervisors.values()])
      actor.stop();
  }
}

/** Requested and attached selectors that are still in force. */
export function activeSelectors(job: JobData): SelectorView[] {
  const selectors: SelectorView[] = [];
  for (const list of [job.requestedWorkerSelectors, job.attachedWorkerSelectors])
    for (const selector of list as RouterWorkerSelector[]) if (selector.status !== 'expired') selectors.push(selector);
  return selectors;
}


function* workerViews(actors: ReadonlySet<WorkerActor> | undefined): Generator<WorkerView> {
  for (const actor of actors ?? []) {
    const context = actor.getSnapshot().context;
    if (hasSpareCapacity(context)) yield context;
  }
}

/** A distribution policy as matching reads it, with Azure's defaults for an absent mode. */
export function distributionView(policy: DistributionPolicy): DistributionView {
  const mode = policy.mode ?? { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 1, bypassSelectors: false };
  return {
    kind: mode.kind,
    minConcurrentOffers: mode.minConcurrentOffers,
    maxConcurrentOffers: mode.maxConcurrentOffers,
    bypassSelectors: mode.bypassSelectors,
    descendingOrder: mode.kind === 'bestWorker' ? (mode.scoringRuleOptions?.descendingOrder ?? true) : true,
  };
}
