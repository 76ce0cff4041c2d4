import type { Clock } from './engine/clock.ts';
import { decodeDocument, type DecodedDocuments } from './engine/document-codec.ts';
import { Engine, type JobRecord, type StoredResource, type WorkerRecord } from './engine/engine.ts';
import type { ActorKind, ActorState, TransitionListener } from './engine/commit-pipeline.ts';
import type { EventFilter, EventListener, Unsubscribe } from './engine/event-log.ts';
import {
  classificationPolicies,
  deleteAdmin,
  distributionPolicies,
  exceptionPolicies,
  getAdmin,
  listAdmin,
  queues,
  upsertAdmin,
  type UpsertResult,
} from './operations/admin.ts';
import * as jobs from './operations/jobs.ts';
import { classifyJob, reclassifyJob } from './policy/classification.ts';
import { watchQueue, watchQueues } from './policy/exceptions.ts';
import { rearmSelectorExpiry } from './policy/selector-expiry.ts';
import { deadlineHandlers } from './operations/deadlines.ts';
import type { Page, PageRequest } from './operations/paging.ts';
import type { Preconditions } from './operations/preconditions.ts';
import * as workers from './operations/workers.ts';
import type {
  CancelJobOptions,
  CloseJobOptions,
  CompleteJobOptions,
  AcceptJobOfferResult,
  DeclineJobOfferOptions,
  UnassignJobOptions,
  UnassignJobResult,
} from './protocol/actions.schemas.ts';
import type { ClassificationPolicy } from './protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from './protocol/distribution-policy.schemas.ts';
import type { ExceptionPolicy } from './protocol/exception-policy.schemas.ts';
import type { RouterJob, RouterJobPositionDetails } from './protocol/job.schemas.ts';
import type { RouterQueue, RouterQueueStatistics } from './protocol/queue.schemas.ts';
import type { RouterWorker } from './protocol/worker.schemas.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { DocumentKind, Store, StoredState } from './store/store.ts';
import type { RuleEvaluator } from './rules/rule-evaluator.ts';
import type { DeadLetter, EventSubscription } from './protocol/event-subscription.schemas.ts';
import { Webhooks, type WebhookOptions } from './webhooks/webhooks.ts';

/** What an action (cancel, complete, close, decline, reclassify) answers: an empty object, as Azure does. */
export type EmptyResult = Record<string, never>;

export interface RouterOptions {
  /** Where state lives; default an in-memory store. */
  readonly store?: Store | undefined;
  /** Default the system clock; tests pass a `ManualClock`. */
  readonly clock?: Clock | undefined;
  /** Id generator for offers, assignments and events; default `crypto.randomUUID`. */
  readonly newId?: (() => string) | undefined;
  /** Evaluates router rules; default `createRuleEvaluator()` (tests inject one that answers later, or records). */
  readonly ruleEvaluator?: RuleEvaluator | undefined;
  /** Uniform draws in [0, 1) for weighted allocation; default `Math.random`, seeded in tests for reproducibility. */
  readonly random?: (() => number) | undefined;
  /** How event subscriptions deliver: retry waits, request timeout, dead letters kept. */
  readonly webhooks?: WebhookOptions | undefined;
}

/**
 * The in-process API of Switchboard: every operation of the Azure Job Router, under Azure's name. Each command
 * resolves once its changes are committed to the store; a refused command rejects with a `RouterError` and changes
 * nothing. REST and WebSocket are thin faces over these methods.
 */
export class Router {
  /** @internal The engine behind the operations, for the faces and for tests. */
  readonly engine: Engine;
  /** @internal The event subscriptions and their deliveries. */
  readonly webhooks: Webhooks;

  private constructor(engine: Engine, webhooks: Webhooks) {
    this.engine = engine;
    this.webhooks = webhooks;
  }

  /** Opens a router on a store, restoring whatever the store holds and re-arming every deadline. */
  static async open(options: RouterOptions = {}): Promise<Router> {
    const store = options.store ?? new MemoryStore();
    const stored = await store.load();
    const { clock, newId, ruleEvaluator, random } = options;
    const engine = new Engine({ store, clock, newId, ruleEvaluator, random }, stored.lastSequenceNumber);
    const webhooks = new Webhooks(engine, options.webhooks);
    const router = new Router(engine, webhooks);
    engine.handleDeadlines(deadlineHandlers(engine));
    watchQueues(engine);
    await engine.command(() => {
      restore(engine, webhooks, stored);
      resumePolicies(engine);
    });
    webhooks.start();
    return router;
  }

  /** Reads refuse too once a commit failed: memory may then show changes that were never stored. */
  #read<T>(read: () => T): T {
    this.engine.assertServing();
    return read();
  }

  /** Stops the router: webhook deliveries, deadlines and actors first, then what is still being committed is written, then the store closes. */
  async close(): Promise<void> {
    await this.webhooks.stop();
    this.engine.stop();
    await this.engine.flush();
    await this.engine.store.close();
  }

  /** The router's clock, epoch ms: what its deadlines and timestamps are measured on. */
  now(): number {
    return this.engine.now();
  }

  /** Set once a commit failed: from then on every operation is refused with `StoreUnavailable` (`/readyz` says 503). */
  get storeFailure(): Error | undefined {
    return this.engine.storeFailure;
  }

  /** The number of the newest event numbered so far (0 for none). */
  get lastSequenceNumber(): number {
    return this.engine.log.lastSequenceNumber;
  }

  /** The number of the next event to reach live subscribers: a live {@link subscribe} started now delivers from it. */
  get nextPublishedSequence(): number {
    return this.engine.log.lastPublished + 1;
  }

  /**
   * Refuses a replay {@link subscribe} could not serve, before anything is sent.
   *
   * @throws RouterError `EventsNoLongerAvailable` or `SequenceBeyondHead`
   */
  checkReplayFrom(fromSequence: number): void {
    this.engine.log.checkFrom(fromSequence);
  }

  /**
   * Every actor's state change, after the commit that holds it, and the current states to start from: `snapshot`
   * (when given) is called with them in the same synchronous step, so the listener is owed exactly the changes after.
   * Only actors of `kinds` and `ids` when given.
   */
  watchTransitions(
    kinds: ReadonlySet<ActorKind> | undefined,
    ids: ReadonlySet<string> | undefined,
    listener: TransitionListener,
    snapshot?: (states: ActorState[]) => void,
  ): () => void {
    snapshot?.(this.engine.actors.actorStates(kinds, ids));
    return this.engine.onTransition((transition) => {
      if (kinds && !kinds.has(transition.actor.kind)) return;
      if (ids && !ids.has(transition.actor.id)) return;
      listener(transition);
    });
  }

  /** Events in commit order; with `fromSequence`, retained history first. */
  subscribe(filter: EventFilter, listener: EventListener, fromSequence?: number): Promise<Unsubscribe> {
    return this.engine.log.subscribe(filter, listener, fromSequence);
  }

  // Distribution policies
  upsertDistributionPolicy(distributionPolicyId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<DistributionPolicy>> {
    return upsertAdmin(this.engine, distributionPolicies, distributionPolicyId, body, conditions);
  }
  async getDistributionPolicy(distributionPolicyId: string): Promise<DistributionPolicy> {
    return this.#read(() => getAdmin(this.engine, distributionPolicies, distributionPolicyId));
  }
  deleteDistributionPolicy(distributionPolicyId: string): Promise<void> {
    return deleteAdmin(this.engine, distributionPolicies, distributionPolicyId);
  }
  async listDistributionPolicies(request: PageRequest = {}): Promise<Page<DistributionPolicy>> {
    return this.#read(() => listAdmin(this.engine, distributionPolicies, request));
  }

  // Queues
  upsertQueue(queueId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterQueue>> {
    return upsertAdmin(this.engine, queues, queueId, body, conditions);
  }
  async getQueue(queueId: string): Promise<RouterQueue> {
    return this.#read(() => getAdmin(this.engine, queues, queueId));
  }
  deleteQueue(queueId: string): Promise<void> {
    return deleteAdmin(this.engine, queues, queueId);
  }
  async listQueues(request: PageRequest = {}): Promise<Page<RouterQueue>> {
    return this.#read(() => listAdmin(this.engine, queues, request));
  }
  async getQueueStatistics(queueId: string): Promise<RouterQueueStatistics> {
    return this.#read(() => jobs.getQueueStatistics(this.engine, queueId));
  }

  // Classification policies
  upsertClassificationPolicy(classificationPolicyId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<ClassificationPolicy>> {
    return upsertAdmin(this.engine, classificationPolicies, classificationPolicyId, body, conditions);
  }
  async getClassificationPolicy(classificationPolicyId: string): Promise<ClassificationPolicy> {
    return this.#read(() => getAdmin(this.engine, classificationPolicies, classificationPolicyId));
  }
  deleteClassificationPolicy(classificationPolicyId: string): Promise<void> {
    return deleteAdmin(this.engine, classificationPolicies, classificationPolicyId);
  }
  async listClassificationPolicies(request: PageRequest = {}): Promise<Page<ClassificationPolicy>> {
    return this.#read(() => listAdmin(this.engine, classificationPolicies, request));
  }

  // Exception policies
  upsertExceptionPolicy(exceptionPolicyId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<ExceptionPolicy>> {
    return upsertAdmin(this.engine, exceptionPolicies, exceptionPolicyId, body, conditions);
  }
  async getExceptionPolicy(exceptionPolicyId: string): Promise<ExceptionPolicy> {
    return this.#read(() => getAdmin(this.engine, exceptionPolicies, exceptionPolicyId));
  }
  deleteExceptionPolicy(exceptionPolicyId: string): Promise<void> {
    return deleteAdmin(this.engine, exceptionPolicies, exceptionPolicyId);
  }
  async listExceptionPolicies(request: PageRequest = {}): Promise<Page<ExceptionPolicy>> {
    return this.#read(() => listAdmin(this.engine, exceptionPolicies, request));
  }

  // Jobs
  async upsertJob(jobId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterJob>> {
    return jobs.upsertJob(this.engine, jobId, body, conditions);
  }
  async getJob(jobId: string): Promise<RouterJob> {
    return this.#read(() => jobs.getJob(this.engine, jobId));
  }
  async deleteJob(jobId: string): Promise<void> {
    return jobs.deleteJob(this.engine, jobId);
  }
  async listJobs(request: jobs.ListJobsRequest = {}): Promise<Page<RouterJob>> {
    return this.#read(() => jobs.listJobs(this.engine, request));
  }
  async cancelJob(jobId: string, options?: CancelJobOptions): Promise<EmptyResult> {
    return jobs.cancelJob(this.engine, jobId, options);
  }
  async completeJob(jobId: string, assignmentId: string, options?: CompleteJobOptions): Promise<EmptyResult> {
    return jobs.completeJob(this.engine, jobId, assignmentId, options);
  }
  async closeJob(jobId: string, assignmentId: string, options?: CloseJobOptions): Promise<EmptyResult> {
    return jobs.closeJob(this.engine, jobId, assignmentId, options);
  }
  async unassignJob(jobId: string, assignmentId: string, options?: UnassignJobOptions): Promise<UnassignJobResult> {
    return jobs.unassignJob(this.engine, jobId, assignmentId, options);
  }
  reclassifyJob(jobId: string): Promise<EmptyResult> {
    return reclassifyJob(this.engine, jobId);
  }
  async getInQueuePosition(jobId: string): Promise<RouterJobPositionDetails> {
    return this.#read(() => jobs.getInQueuePosition(this.engine, jobId));
  }

  // Workers
  async upsertWorker(workerId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterWorker>> {
    return workers.upsertWorker(this.engine, workerId, body, conditions);
  }
  async getWorker(workerId: string): Promise<RouterWorker> {
    return this.#read(() => workers.getWorker(this.engine, workerId));
  }
  async deleteWorker(workerId: string): Promise<void> {
    return workers.deleteWorker(this.engine, workerId);
  }
  async listWorkers(request: workers.ListWorkersRequest = {}): Promise<Page<RouterWorker>> {
    return this.#read(() => workers.listWorkers(this.engine, request));
  }
  async acceptJobOffer(workerId: string, offerId: string): Promise<AcceptJobOfferResult> {
    return workers.acceptJobOffer(this.engine, workerId, offerId);
  }
  async declineJobOffer(workerId: string, offerId: string, options?: DeclineJobOfferOptions): Promise<EmptyResult> {
    return workers.declineJobOffer(this.engine, workerId, offerId, options);
  }

  // Event subscriptions (webhooks; a Switchboard extension)
  upsertEventSubscription(eventSubscriptionId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<EventSubscription>> {
    return this.webhooks.upsert(eventSubscriptionId, body, conditions);
  }
  async getEventSubscription(eventSubscriptionId: string): Promise<EventSubscription> {
    return this.#read(() => this.webhooks.get(eventSubscriptionId));
  }
  deleteEventSubscription(eventSubscriptionId: string): Promise<void> {
    return this.webhooks.delete(eventSubscriptionId);
  }
  async listEventSubscriptions(request: PageRequest = {}): Promise<Page<EventSubscription>> {
    return this.#read(() => this.webhooks.list(request));
  }
  async listEventSubscriptionDeadLetters(eventSubscriptionId: string, request: PageRequest = {}): Promise<Page<DeadLetter>> {
    return this.#read(() => this.webhooks.listDeadLetters(eventSubscriptionId, request));
  }
  deleteEventSubscriptionDeadLetter(eventSubscriptionId: string, deadLetterId: string): Promise<void> {
    return this.webhooks.deleteDeadLetter(eventSubscriptionId, deadLetterId);
  }
}

/** Rebuilds the engine from stored documents: resources, supervisors and their dispatch order, actors, deadlines. */
function restore(engine: Engine, webhooks: Webhooks, stored: StoredState): void {
  const each = <K extends DocumentKind>(kind: K, visit: (id: string, record: DecodedDocuments[K]) => void) => {
    for (const [id, doc] of stored.documents(kind)) visit(id, decodeDocument(kind, id, doc, stored.freshDocuments));
  };
  each('distributionPolicy', (id, doc) => engine.catalogue.distributionPolicies.set(id, doc as StoredResource<DistributionPolicy>));
  each('exceptionPolicy', (id, doc) => engine.catalogue.exceptionPolicies.set(id, doc as StoredResource<ExceptionPolicy>));
  each('queue', (id, doc) => {
    engine.catalogue.queues.set(id, doc as StoredResource<RouterQueue>);
    engine.actors.startQueue(id, false);
  });
  each('classificationPolicy', (id, doc) => engine.catalogue.classificationPolicies.set(id, doc as StoredResource<ClassificationPolicy>));
  const queued: JobRecord[] = [];
  each('job', (_id, record) => {
    engine.restoreJob(record);
    if (record.status === 'queued') queued.push(record);
    const jobId = record.context.job.id;
    if (record.context.pendingClose) engine.deadlines.arm(`close:${jobId}`, record.context.pendingClose.at);
    if (record.status === 'scheduled' && record.context.job.matchingMode.kind === 'scheduleAndSuspend')
      engine.deadlines.arm(`schedule:${jobId}`, Date.parse(record.context.job.matchingMode.scheduleAt));
    for (const [workerId, retryAt] of Object.entries(record.declines ?? {}))
      if (Number.isFinite(retryAt)) engine.deadlines.arm(`retry:${jobId}|${workerId}`, retryAt);
  });
  // Re-enter queued jobs in their original dispatch order.
  queued.sort((a, b) => a.enqueueSeq - b.enqueueSeq);
  engine.dispatch.restoreAllQueued(queued);
  // In the order they became available, which the engine's idle-worker sets rely on.
  const storedWorkers: WorkerRecord[] = [];
  each('worker', (_id, record) => storedWorkers.push(record));
  storedWorkers.sort((a, b) => a.context.availableSince - b.context.availableSince);
  for (const record of storedWorkers) engine.restoreWorker(record);
  engine.matching.settleRestored();
  each('eventSubscription', (id, doc) => webhooks.restoreSubscription(id, doc));
  each('deadLetter', (id, doc) => webhooks.restoreDeadLetter(id, doc));
}

/**
 * Re-arms what the policy engine keeps on the deadline heap after a restart: selector expiries and wait-time
 * exception rules. A classification whose rules were still answering when the router stopped is started again.
 */
function resumePolicies(engine: Engine): void {
  for (const [jobId, record] of engine.actors.jobs) {
    rearmSelectorExpiry(engine, jobId, record);
    if (record.status === 'pendingClassification') classifyJob(engine, jobId);
  }
  for (const queueId of engine.catalogue.queues.keys()) watchQueue(engine, queueId);
}
