import type { Clock } from './engine/clock.ts';
import { decodeDocument, type DecodedDocuments } from './engine/document-codec.ts';
import { Engine, type JobRecord, type StoredResource, type WorkerRecord } from './engine/engine.ts';
import type { ActorKind, ActorState, CommitListener, TransitionListener } from './engine/commit-pipeline.ts';
import { queueSummaries, workerLoads, type ConsoleWorkerLoad } from './console/console-data.ts';
import type { EventFilter, EventListener, Unsubscribe } from './engine/event-log.ts';
import { invalidRequestFrom } from './errors.ts';
import * as jobs from './operations/jobs.ts';
import {
  callRun,
  routedOperations,
  type Invocation,
  type InvocationContext,
  type Operation,
  type OperationMethods,
  type OperationServices,
} from './operations/table.ts';
import { classifyJob } from './policy/classification.ts';
import { watchQueue, watchQueues } from './policy/exceptions.ts';
import { rearmSelectorExpiry } from './policy/selector-expiry.ts';
import { deadlineHandlers } from './operations/deadlines.ts';
import type { ClassificationPolicy } from './protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from './protocol/distribution-policy.schemas.ts';
import type { ExceptionPolicy } from './protocol/exception-policy.schemas.ts';
import type { RouterJobStatus } from './protocol/job.schemas.ts';
import type { RouterQueue } from './protocol/queue.schemas.ts';
import type { RouterWorkerState } from './protocol/worker.schemas.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { DocumentKind, Store, StoredState } from './store/store.ts';
import type { RuleEvaluator } from './rules/rule-evaluator.ts';
import type { EventSubscriptionWritable } from './protocol/event-subscription.schemas.ts';
import type { AttemptReport } from './webhooks/courier.ts';
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

/** Reads (gets and lists) refuse once a commit failed; commands are refused by the engine itself. */
function isRead(operation: Operation): boolean {
  return operation.kind === 'get' || operation.kind === 'list';
}

// The operation methods are installed on the prototype from the operations table (see the static block below);
// this interface gives them their types, derived from the same table.
export interface Router extends OperationMethods {}

/**
 * The in-process API of Switchboard: every operation of the Azure Job Router, under Azure's name, with the
 * parameters of its table entry's `run` (`upsertJob(jobId, body, conditions?)`, `completeJob(jobId, assignmentId,
 * options?)`, …). Each command resolves once its changes are committed to the store; a refused command rejects with
 * a `RouterError` and changes nothing. REST and WebSocket are thin faces over the same table, through
 * {@link Router.invoke}.
 */
export class Router {
  /** @internal The engine behind the operations, for tests of internals only: the faces use the members below. */
  readonly engine: Engine;
  /** @internal The event subscriptions and their deliveries, for tests of internals only. */
  readonly webhooks: Webhooks;
  /** What the table's operations run on. */
  readonly #services: OperationServices;

  private constructor(engine: Engine, webhooks: Webhooks) {
    this.engine = engine;
    this.webhooks = webhooks;
    this.#services = { engine, webhooks };
  }

  /**
   * One method per routed table entry, calling its `run` with this router's services and the caller's parameters
   * unchanged. A refusal rejects the returned promise rather than throwing at the call; reads refuse once a commit
   * failed (memory may then show changes that were never stored).
   */
  static {
    for (const entry of routedOperations) {
      const read = isRead(entry);
      const method = function (this: Router, ...params: unknown[]): Promise<unknown> {
        try {
          if (read) this.engine.assertServing();
          return Promise.resolve(callRun(entry.run, this.#services, params));
        } catch (error) {
          return Promise.reject(error);
        }
      };
      Object.defineProperty(method, 'name', { value: entry.name });
      Object.defineProperty(Router.prototype, entry.name, { value: method, writable: true, configurable: true });
    }
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

  /**
   * Runs a table operation for a face: validates the raw arguments against the entry's schema, then runs it as its
   * Router method would (reads refuse once a commit failed). The one way REST and WebSocket run an operation, so
   * every face validates identically.
   *
   * @throws RouterError `InvalidRequest` naming the offending argument, or whatever the operation refuses with
   */
  async invoke(operation: Operation, rawArgs: unknown, context: InvocationContext): Promise<Invocation<unknown>> {
    const parsed = operation.args.safeParse(rawArgs);
    if (!parsed.success) throw invalidRequestFrom(parsed.error);
    if (isRead(operation)) this.engine.assertServing();
    return operation.invoke(this.#services, parsed.data, context);
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

  /** Throws `StoreUnavailable` once a commit failed, as every read does first: for faces' own reads (the console). */
  assertServing(): void {
    this.engine.assertServing();
  }

  /** Every batch the store committed or refused, with its duration and size (metrics, the commit-failure log). */
  onCommit(listener: CommitListener): () => void {
    return this.engine.onCommit(listener);
  }

  /** Every request made to a webhook endpoint, validation or delivery, with its outcome (metrics, the log). */
  onWebhookAttempt(listener: (report: AttemptReport) => void): () => void {
    return this.webhooks.onAttempt(listener);
  }

  /** Each event subscription's lag: events published past its cursor, and its provisioning state. */
  webhookLag(): ReturnType<Webhooks['lag']> {
    return this.webhooks.lag();
  }

  /** An event subscription's stored settings (its writable fields), or undefined when there is none. */
  eventSubscriptionSettings(eventSubscriptionId: string): EventSubscriptionWritable | undefined {
    return this.webhooks.version(eventSubscriptionId)?.resource.config;
  }

  /** Each queue's length and when its longest-waiting job was enqueued (epoch ms), for metrics scraped at any time. */
  queueBacklogs(): Array<{ queueId: string; length: number; oldestEnqueuedAt: number | undefined }> {
    return [...this.engine.dispatch.orders()].map(([queueId, order]) => ({ queueId, length: order.size, oldestEnqueuedAt: order.oldest()?.enqueuedAt }));
  }

  /** How many jobs are in each status (statuses no job is in are absent). One pass over the jobs. */
  countJobsByStatus(): Map<RouterJobStatus, number> {
    const counts = new Map<RouterJobStatus, number>();
    for (const record of this.engine.actors.jobs.values()) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
    return counts;
  }

  /** How many workers are in each state (states no worker is in are absent). */
  countWorkersByState(): Map<RouterWorkerState, number> {
    const counts = new Map<RouterWorkerState, number>();
    for (const workerId of this.engine.actors.workers.keys()) {
      const state = this.engine.actors.workerRecord(workerId)?.state;
      if (state !== undefined) counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    return counts;
  }

  /** Offers issued and not yet ended. */
  get liveOffers(): number {
    return this.engine.offers.size;
  }

  /** Every queue with its statistics, workers by state and live offers: the console's queue view. A read. */
  queueSummaries(): ReturnType<typeof queueSummaries> {
    this.engine.assertServing();
    return queueSummaries(this.engine);
  }

  /** The named workers' load per channel (unknown ids left out): the console's worker view. A read. */
  workerLoads(workerIds: readonly string[]): ConsoleWorkerLoad[] {
    this.engine.assertServing();
    return workerLoads(this.engine, workerIds);
  }

  /** Events in commit order; with `fromSequence`, retained history first. */
  subscribe(filter: EventFilter, listener: EventListener, fromSequence?: number): Promise<Unsubscribe> {
    return this.engine.log.subscribe(filter, listener, fromSequence);
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
