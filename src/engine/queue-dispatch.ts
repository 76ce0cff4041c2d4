import type { JobData } from '../../machines/job.machine.ts';
import type { QueueEvent } from '../../machines/queue.machine.ts';
import type { WorkerContext } from '../../machines/worker.machine.ts';
import type { IndexEntry, QueueIndex } from '../matching/queue-index.ts';
import type { SelectorView } from '../matching/types.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { ActorRegistry, QueueActor } from './actor-registry.ts';
import type { Clock } from './clock.ts';
import type { CommitPipeline } from './commit-pipeline.ts';
import type { OrderedIdMap } from './ordered-ids.ts';
import type { JobRecord } from './records.ts';

/** Told when a job enters a queue's dispatch order afresh (not re-indexed) and when it leaves it. */
export interface QueueChangeListener {
  enqueued(jobId: string, queueId: string): void;
  dequeued(jobId: string, queueId: string): void;
}

/** What may be read of a queue's dispatch order from outside: positions and counts, never a way to change it. */
export type QueueOrder = Pick<QueueIndex, 'size' | 'get' | 'position' | 'oldest' | 'countByPriority' | 'entries'>;

/**
 * The queue supervisors (one actor per queue, kept in the registry) and the only module that talks to them. A supervisor owns its queue's
 * dispatch order (which job a worker gets next, which jobs are parked on full offers) and its round-robin cursor;
 * everyone else asks here. Reading the snapshot's context directly keeps the hot path free of copies, and keeping
 * those reads in this one file keeps the supervisor's index its own (docs/architecture.md, "The queue supervisor").
 */
export class QueueDispatch {
  readonly #supervisors: ReadonlyMap<string, QueueActor>;
  readonly #pipeline: CommitPipeline;
  readonly #jobs: OrderedIdMap<JobRecord>;
  readonly #clock: Clock;
  /** Asks for a job to be matched once the command is done. */
  readonly #wantMatch: (jobId: string) => void;
  readonly #listeners: QueueChangeListener[] = [];
  /** Dispatch order across queues: a global counter, so jobs of different queues compare. */
  #enqueueSeq = 0;

  constructor(pipeline: CommitPipeline, registry: ActorRegistry, clock: Clock, wantMatch: (jobId: string) => void) {
    this.#pipeline = pipeline;
    this.#supervisors = registry.supervisors;
    this.#jobs = registry.jobs;
    this.#clock = clock;
    this.#wantMatch = wantMatch;
  }

  /** A queue's dispatch order, to read; undefined when the queue does not exist. */
  order(queueId: string): QueueOrder | undefined {
    return this.#supervisors.get(queueId)?.getSnapshot().context.index;
  }

  /** Every queue's dispatch order, by queue id. */
  *orders(): Generator<[string, QueueOrder]> {
    for (const [queueId, supervisor] of this.#supervisors) yield [queueId, supervisor.getSnapshot().context.index];
  }

  /** Whether the job waits in the queue's dispatch order. */
  isWaiting(queueId: string, jobId: string): boolean {
    return this.#supervisors.get(queueId)?.getSnapshot().context.index.get(jobId) !== undefined;
  }

  /** The best job of the queue the worker can take, among those `mayOffer` allows; parked jobs are skipped. */
  nextFor(queueId: string, worker: WorkerContext, bypassSelectors: boolean, mayOffer: (entry: IndexEntry) => boolean): IndexEntry | undefined {
    return this.#supervisors.get(queueId)?.getSnapshot().context.index.bestFor(worker, bypassSelectors, mayOffer);
  }

  /** The id of the last worker this queue offered a job to, where round robin resumes. */
  cursor(queueId: string): string | undefined {
    return this.#supervisors.get(queueId)?.getSnapshot().context.roundRobinCursor;
  }

  /** Round robin moved on: the queue's last offer went to `cursor`. */
  offered(queueId: string, cursor: string | undefined): void {
    const supervisor = this.#supervisors.get(queueId);
    if (supervisor) this.#send(supervisor, { type: 'queue.offered', cursor });
  }

  /**
   * A waiting job whose offers are full is parked, so worker-side matching passes it over; one with room again is
   * unparked. Nothing happens for a job not waiting in the queue, or already where it should be.
   */
  setParked(queueId: string, jobId: string, parked: boolean): void {
    const supervisor = this.#supervisors.get(queueId);
    const index = supervisor?.getSnapshot().context.index;
    if (!supervisor || !index?.get(jobId) || index.isParked(jobId) === parked) return;
    this.#send(supervisor, parked ? { type: 'queue.park', jobId } : { type: 'queue.unpark', jobId });
  }

  #send(supervisor: QueueActor, event: QueueEvent): void {
    const from = supervisor.getSnapshot().value;
    supervisor.send(event);
    this.#pipeline.recordTransition('queue', supervisor.getSnapshot().context.queueId, from, supervisor.getSnapshot().value, event.type);
  }

  // ---------------------------------------------------------------- jobs entering and leaving

  /** Registers a reaction to jobs entering and leaving queues (exception policies watch waiting jobs). */
  onChange(listener: QueueChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Puts a queued job into its queue's dispatch order, last among its priority, and asks for it to be matched. */
  enqueue(jobId: string): void {
    const record = this.#jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    if (!record || record.status !== 'queued' || queueId === undefined) return;
    const supervisor = this.#supervisors.get(queueId);
    if (!supervisor) return;
    const enqueueSeq = ++this.#enqueueSeq;
    this.#jobs.set(jobId, { ...record, enqueueSeq });
    this.#send(supervisor, { type: 'queue.enqueue', entry: this.#indexEntry(record, enqueueSeq) });
    this.#wantMatch(jobId);
    for (const listener of this.#listeners) listener.enqueued(jobId, queueId);
  }

  /** Refreshes a queued job's entry after its priority or selectors changed, keeping its place in line. */
  reindex(jobId: string): void {
    const record = this.#jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    const supervisor = queueId === undefined ? undefined : this.#supervisors.get(queueId);
    if (!record || !supervisor?.getSnapshot().context.index.get(jobId)) return;
    if (record.status === 'queued') this.#send(supervisor, { type: 'queue.enqueue', entry: this.#indexEntry(record, record.enqueueSeq) });
    this.#wantMatch(jobId);
  }

  /** Takes a job out of its queue's dispatch order. */
  dequeue(jobId: string, queueId: string | undefined): void {
    if (queueId === undefined) return;
    const supervisor = this.#supervisors.get(queueId);
    if (!supervisor?.getSnapshot().context.index.get(jobId)) return;
    this.#send(supervisor, { type: 'queue.remove', jobId });
    for (const listener of this.#listeners) listener.dequeued(jobId, queueId);
  }

  /** A stored job came back: later jobs are numbered after it. */
  restored(record: JobRecord): void {
    this.#enqueueSeq = Math.max(this.#enqueueSeq, record.enqueueSeq);
  }

  /**
   * Puts stored queued jobs back at the places their `enqueueSeq` gives them, without matching them: one supervisor
   * event per queue, not one per job.
   */
  restoreAllQueued(records: Iterable<JobRecord>): void {
    const byQueue = new Map<string, JobRecord[]>();
    for (const record of records) {
      const queueId = record.context.job.queueId;
      if (queueId === undefined || record.status !== 'queued' || !this.#supervisors.has(queueId)) continue;
      let queued = byQueue.get(queueId);
      if (!queued) byQueue.set(queueId, (queued = []));
      queued.push(record);
    }
    for (const [queueId, queued] of byQueue)
      this.#send(this.#supervisors.get(queueId)!, { type: 'queue.restore', entries: this.#storedEntries(queued) });
  }

  /** Index entries made as they are read, so that a million of them need not exist at once. */
  *#storedEntries(records: readonly JobRecord[]): Generator<IndexEntry> {
    for (const record of records) yield this.#indexEntry(record, record.enqueueSeq);
  }

  #indexEntry(record: JobRecord, enqueueSeq: number): IndexEntry {
    const job = record.context.job;
    const selectors = activeSelectors(job);
    return {
      jobId: job.id,
      priority: job.priority,
      enqueueSeq,
      enqueuedAt: job.enqueuedAt ? Date.parse(job.enqueuedAt) : this.#clock.now(),
      expedite: selectors.some((selector) => selector.expedite === true),
      channelId: job.channelId ?? '',
      selectors,
    };
  }
}

/** Requested and attached selectors that are still in force. */
export function activeSelectors(job: JobData): SelectorView[] {
  const selectors: SelectorView[] = [];
  for (const list of [job.requestedWorkerSelectors, job.attachedWorkerSelectors])
    for (const selector of list as RouterWorkerSelector[]) if (selector.status !== 'expired') selectors.push(selector);
  return selectors;
}
