import { createActor, type Actor } from 'xstate';
import { jobMachine, jobStatusHasTag, type JobData, type JobEvent } from '../../machines/job.machine.ts';
import { offerMachine, type OfferContext } from '../../machines/offer.machine.ts';
import { queueMachine } from '../../machines/queue.machine.ts';
import { workerMachine, type WorkerContext, type WorkerEvent } from '../../machines/worker.machine.ts';
import { RouterError } from '../errors.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { DocumentKind, StoredDocument } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { ACTOR_KINDS, type ActorKind, type ActorState, type CommitPipeline } from './commit-pipeline.ts';
import { encodeJob, encodeWorker } from './document-codec.ts';
import type { MachineFact } from './event-data.ts';
import { OrderedIdMap } from './ordered-ids.ts';
import type { JobRecord, WorkerRecord } from './records.ts';
import type { ResourceCatalogue } from './resource-catalogue.ts';
import { WorkerPools } from './worker-pools.ts';

export type JobActor = Actor<typeof jobMachine>;
export type WorkerActor = Actor<typeof workerMachine>;
export type OfferActor = Actor<typeof offerMachine>;
export type QueueActor = Actor<typeof queueMachine>;

/** What the registry asks of the rest of the engine. */
export interface RegistryHooks {
  /** Whether a job holds live offers: such a job keeps its actor. */
  holdsOffers(jobId: string): boolean;
  /** A worker changed in a way that may let it take an offer. */
  workerMayMatch(workerId: string): void;
  /**
   * A job, worker or offer machine announced an event (`emit`). One function for every actor: it is listening on
   * each before the actor starts, so that what a new actor's first state announces on entry is heard too.
   */
  heard(fact: MachineFact): void;
}

/**
 * Every actor of the router by id, as independent root actors: jobs (live, or passivated to their record), workers,
 * live offers and queue supervisors. It creates and restores them, sends them events and records each transition,
 * and keeps what follows from a worker's state (its etag, the per-queue candidate pools) in step.
 */
export class ActorRegistry {
  /** Every job's record; for a live job it reflects the actor's latest snapshot. */
  readonly jobs = new OrderedIdMap<JobRecord>();
  readonly workers = new OrderedIdMap<WorkerActor>();
  readonly offers = new Map<string, OfferActor>();
  readonly supervisors = new Map<string, QueueActor>();
  /** Registered and idle workers per queue, the candidates for new jobs. */
  readonly pools = new WorkerPools();

  readonly #liveJobs = new Map<string, JobActor>();
  readonly #mayPassivate = new Set<string>();
  readonly #pipeline: CommitPipeline;
  readonly #catalogue: ResourceCatalogue;
  readonly #clock: Clock;
  readonly #hooks: RegistryHooks;

  constructor(pipeline: CommitPipeline, catalogue: ResourceCatalogue, clock: Clock, hooks: RegistryHooks) {
    this.#pipeline = pipeline;
    this.#catalogue = catalogue;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  get liveJobCount(): number {
    return this.#liveJobs.size;
  }

  // ---------------------------------------------------------------- jobs

  /** Creates the actor of a new job in `created` and records it. */
  createJob(job: JobData): JobRecord {
    const actor = createActor(jobMachine, { input: { job } });
    actor.on('*', this.#hooks.heard);
    actor.start();
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

  /** Replaces what the engine and the policy layer keep beside a job's machine (declines, policy state). */
  updateRecord(jobId: string, change: Pick<JobRecord, 'declines'> | Pick<JobRecord, 'policy'>): void {
    const record = this.jobs.get(jobId);
    if (!record) return;
    this.jobs.set(jobId, { ...record, ...change });
    this.#pipeline.touch('job', jobId);
  }

  /** A job whose offers ended may have nothing left to keep its actor for. */
  mayPassivate(jobId: string): void {
    this.#mayPassivate.add(jobId);
  }

  /** Removes a job's actor and record. */
  deleteJob(jobId: string): void {
    this.#liveJobs.get(jobId)?.stop();
    this.#liveJobs.delete(jobId);
    this.jobs.delete(jobId);
  }

  /** Restores a stored job without an actor (it is created on demand). */
  restoreJob(record: JobRecord): void {
    this.jobs.set(record.context.job.id, record);
  }

  #jobActor(jobId: string): JobActor {
    let actor = this.#liveJobs.get(jobId);
    if (actor) return actor;
    const record = this.jobs.get(jobId);
    if (!record) throw new RouterError('NotFound', `job ${jobId} does not exist`, 'jobId');
    actor = createActor(jobMachine, {
      snapshot: jobMachine.resolveState({ value: record.status, context: record.context }),
      input: { job: record.context.job },
    });
    actor.on('*', this.#hooks.heard);
    actor.start();
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
      ...(changed || !previous ? this.#catalogue.nextVersion() : { etag: previous.etag, lastModified: previous.lastModified }),
    };
    this.jobs.set(jobId, record);
    if (changed) this.#pipeline.touch('job', jobId);
    return record;
  }

  /**
   * DESIGN rule 3: a job that is only waiting keeps its record and index entry, not an actor. Checked once a
   * command and its matching are done, so a job that is about to be offered keeps its actor.
   */
  passivateIdleJobs(): void {
    for (const jobId of this.#mayPassivate) {
      const record = this.jobs.get(jobId);
      if (record && (jobStatusHasTag(record.status, 'holdsAssignment') || this.#hooks.holdsOffers(jobId))) continue;
      this.#liveJobs.get(jobId)?.stop();
      this.#liveJobs.delete(jobId);
    }
    this.#mayPassivate.clear();
  }

  // ---------------------------------------------------------------- workers

  workerContext(workerId: string): WorkerContext | undefined {
    return this.workers.get(workerId)?.getSnapshot().context;
  }

  workerRecord(workerId: string): WorkerRecord | undefined {
    const actor = this.workers.get(workerId);
    const version = this.#catalogue.workerVersions.get(workerId);
    if (!actor || !version) return undefined;
    const snapshot = actor.getSnapshot();
    return { state: snapshot.value, context: snapshot.context, ...version };
  }

  /** Creates a new worker's actor in `inactive`. */
  createWorker(workerId: string, config: WorkerContext['config']): WorkerActor {
    const actor = this.#addWorker(createActor(workerMachine, { input: { id: workerId, config, at: this.#clock.now() } }));
    this.#pipeline.recordTransition('worker', workerId, null, actor.getSnapshot().value, 'worker.create');
    return actor;
  }

  /** Restores a stored worker's actor; the offers it holds are the offer book's to restore. */
  restoreWorker(record: WorkerRecord): void {
    const { context, state } = record;
    // The persisted form XState restores from (what `getPersistedSnapshot` gives): `restoreSnapshot` resolves the
    // state nodes itself, so going through `resolveState` first would do that work twice per worker.
    const snapshot = { status: 'active' as const, value: state, context, children: {}, historyValue: {}, output: undefined, error: undefined };
    this.#addWorker(createActor(workerMachine, { snapshot, input: { id: context.id, config: context.config, at: this.#clock.now() } }));
    this.#catalogue.workerVersions.set(context.id, { etag: record.etag, lastModified: record.lastModified });
  }

  #addWorker(actor: WorkerActor): WorkerActor {
    actor.on('*', this.#hooks.heard);
    actor.start();
    const context = actor.getSnapshot().context;
    this.workers.set(context.id, actor);
    this.pools.update(actor, undefined, context);
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
    this.pools.update(actor, before, after);
    this.#catalogue.workerVersions.set(workerId, this.#catalogue.nextVersion());
    this.#pipeline.touch('worker', workerId);
    // Reserving only takes capacity away, so it cannot make a new match possible; everything else may.
    if (after.active && event.type !== 'worker.reserve') this.#hooks.workerMayMatch(workerId);
    return after;
  }

  /** Removes a worker's actor and version; whether it existed. */
  deleteWorker(workerId: string): boolean {
    const actor = this.workers.get(workerId);
    if (!actor) return false;
    this.pools.update(actor, actor.getSnapshot().context, undefined);
    actor.stop();
    this.workers.delete(workerId);
    this.#catalogue.workerVersions.delete(workerId);
    return true;
  }

  // ---------------------------------------------------------------- offers and queues

  /** Creates a live offer's actor in `issued`; a `restored` offer is heard from only once it has entered it. */
  createOffer(input: Omit<OfferContext, 'endedAt' | 'retryOfferAt'>, restored: boolean): void {
    const actor = createActor(offerMachine, { input });
    if (!restored) actor.on('*', this.#hooks.heard);
    actor.start();
    if (restored) actor.on('*', this.#hooks.heard);
    this.offers.set(input.offerId, actor);
    this.#pipeline.recordTransition('offer', input.offerId, null, 'issued', 'offer.issue');
  }

  /** Starts the supervisor of a queue; `created` when the queue is new rather than restored from the store. */
  startQueue(queueId: string, created: boolean): void {
    const supervisor = createActor(queueMachine, { input: { queueId } }).start();
    this.supervisors.set(queueId, supervisor);
    if (created) this.#pipeline.recordTransition('queue', queueId, null, supervisor.getSnapshot().value, 'queue.create');
  }

  /** Stops a deleted queue's supervisor. */
  stopQueue(queueId: string): void {
    this.supervisors.get(queueId)?.stop();
    this.supervisors.delete(queueId);
  }

  // ---------------------------------------------------------------- reading

  /** The stored form of a job or worker as it is now; `undefined` once it is gone or for other kinds. */
  document(kind: DocumentKind, id: string): StoredDocument | undefined {
    if (kind === 'job') {
      const record = this.jobs.get(id);
      return record && encodeJob(record);
    }
    if (kind === 'worker') {
      const record = this.workerRecord(id);
      return record && encodeWorker(record);
    }
    return undefined;
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

  /** Stops every actor. */
  stopAll(): void {
    for (const actor of [...this.#liveJobs.values(), ...this.workers.values(), ...this.offers.values(), ...this.supervisors.values()])
      actor.stop();
  }
}
