import { hasSpareCapacity, mayHoldAnotherOffer } from '../matching/capacity.ts';
import { rankWorkers } from '../matching/distribution.ts';
import { isEligible } from '../matching/eligibility.ts';
import { dispatchesBefore, type IndexEntry } from '../matching/queue-index.ts';
import type { DistributionView, JobView, WorkerView } from '../matching/types.ts';
import type { DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { AsyncWorkerScorer } from '../policy/scoring.ts';
import type { ActorRegistry, WorkerActor } from './actor-registry.ts';
import type { Clock } from './clock.ts';
import type { OfferBook } from './offer-book.ts';
import { activeSelectors, type QueueDispatch } from './queue-dispatch.ts';
import type { JobRecord } from './records.ts';
import type { PreparedPolicy, ResourceCatalogue } from './resource-catalogue.ts';

/** Job-side matching under a scoring rule that answers later (`src/policy/async-scoring.ts`). */
export interface JobScoring {
  start(record: JobRecord, queueId: string, prepared: PreparedPolicy, scorer: AsyncWorkerScorer): void;
}

const EMPTY_SET: ReadonlySet<string> = new Set();

/**
 * Two-sided matching: a job that became matchable looks for workers, a worker with room looks for jobs across its
 * queues. Commands only say what they touched (`job`, `worker`, `queue`); `drain` runs once the command is done, to
 * the point where nothing more can be offered.
 */
export class Matching {
  readonly #jobsToMatch = new Set<string>();
  readonly #workersToMatch = new Set<string>();
  readonly #registry: ActorRegistry;
  readonly #offers: OfferBook;
  readonly #catalogue: ResourceCatalogue;
  readonly #dispatch: QueueDispatch;
  readonly #clock: Clock;
  readonly #newId: () => string;
  #scoring: JobScoring | undefined;

  constructor(parts: {
    registry: ActorRegistry;
    offers: OfferBook;
    catalogue: ResourceCatalogue;
    dispatch: QueueDispatch;
    clock: Clock;
    newId: () => string;
  }) {
    this.#registry = parts.registry;
    this.#offers = parts.offers;
    this.#catalogue = parts.catalogue;
    this.#dispatch = parts.dispatch;
    this.#clock = parts.clock;
    this.#newId = parts.newId;
  }

  /** Where jobs of queues with a scoring rule that answers later are scored. */
  scoreWith(scoring: JobScoring): void {
    this.#scoring = scoring;
  }

  // ---------------------------------------------------------------- what to match

  job(jobId: string): void {
    this.#jobsToMatch.add(jobId);
  }

  worker(workerId: string): void {
    this.#workersToMatch.add(workerId);
  }

  /** Everything a queue could now dispatch: its policy or registration changed. */
  queue(queueId: string): void {
    for (const actor of this.#registry.pools.registered(queueId) ?? []) this.#workersToMatch.add(actor.getSnapshot().context.id);
  }

  /** An offer of the job ended: it may be unparked and offered again, and may need no actor any more. */
  offerEnded(jobId: string, queueId: string): void {
    const policy = this.#catalogue.policyOf(queueId);
    if (policy) this.parkIfFull(jobId, queueId, policy.view.maxConcurrentOffers);
    this.#jobsToMatch.add(jobId);
    this.#registry.mayPassivate(jobId);
  }

  /**
   * Finishes a restore once jobs, workers and offers are back. Matching is not run again: every command ends with
   * matching at its fixpoint before it commits, so the stored state is one where nothing more could be offered, and
   * what time changes while the router is down (offer expiry, decline retries, selector expiry) comes back as
   * deadlines that fire and match. Re-matching a million queued jobs against every worker would make a restart take
   * hours. What is rebuilt: parking of jobs whose offers are full, and scoring over HTTP that was in flight.
   */
  settleRestored(): void {
    // Only a job holding offers can be full.
    for (const jobId of this.#offers.jobsWithOffers()) {
      const queueId = this.#registry.jobs.get(jobId)?.context.job.queueId;
      const prepared = queueId === undefined ? undefined : this.#catalogue.policyOf(queueId);
      if (prepared) this.parkIfFull(jobId, queueId!, prepared.view.maxConcurrentOffers);
    }
    for (const queueId of this.#registry.supervisors.keys())
      if (this.#catalogue.policyOf(queueId)?.asyncScorer !== undefined)
        for (const { jobId } of this.#dispatch.order(queueId)?.entries() ?? []) this.#jobsToMatch.add(jobId);
  }

  /** Runs matching for every job and worker a command touched, until nothing more can be offered. */
  drain(): void {
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

  // ---------------------------------------------------------------- both sides

  /** A queued job looks for workers: the distribution mode picks among the queue's registered workers. */
  #matchJob(jobId: string): void {
    const record = this.#registry.jobs.get(jobId);
    const queueId = record?.context.job.queueId;
    if (!record || record.status !== 'queued' || queueId === undefined) return;
    const prepared = this.#catalogue.policyOf(queueId);
    if (!prepared || !this.#dispatch.isWaiting(queueId, jobId)) return;
    if (prepared.asyncScorer !== undefined) return this.#scoring?.start(record, queueId, prepared, prepared.asyncScorer);
    const room = prepared.view.maxConcurrentOffers - this.#offers.of(jobId).size;
    if (room > 0) {
      const view = this.jobView(record);
      const candidates =
        (prepared.view.kind === 'longestIdle' ? this.#longestIdlePrefix(view, queueId, prepared.view, room) : undefined) ??
        workerViews(this.#registry.pools.registered(queueId));
      const { workers, cursor } = rankWorkers(view, candidates, prepared.view, this.#dispatch.cursor(queueId), room);
      for (const worker of workers) this.issueOffer(record, worker.id, queueId, prepared.policy);
      if (workers.length > 0 && prepared.view.kind === 'roundRobin') this.#dispatch.offered(queueId, cursor);
    }
    this.parkIfFull(jobId, queueId, prepared.view.maxConcurrentOffers);
  }

  /** A worker with room looks for the best job across its queues, and keeps taking offers while it has room. */
  #matchWorker(workerId: string): void {
    for (;;) {
      const worker = this.#registry.workerContext(workerId);
      if (!worker?.active || !hasSpareCapacity(worker) || !mayHoldAnotherOffer(worker)) return;
      let best: { entry: IndexEntry; queueId: string; policy: PreparedPolicy } | undefined;
      for (const queueId of worker.queues) {
        const prepared = this.#catalogue.policyOf(queueId);
        if (!prepared) continue;
        const entry = this.#dispatch.nextFor(queueId, worker, prepared.view.bypassSelectors, (candidate) => this.#mayOffer(candidate.jobId, workerId));
        if (!entry) continue;
        // Scored over HTTP: the job is scored again with this worker among the candidates, not offered directly.
        if (prepared.asyncScorer !== undefined) this.#jobsToMatch.add(entry.jobId);
        else if (!best || dispatchesBefore(entry, best.entry)) best = { entry, queueId, policy: prepared };
      }
      if (!best) return;
      const record = this.#registry.jobs.get(best.entry.jobId)!;
      if (!this.issueOffer(record, workerId, best.queueId, best.policy.policy)) return;
      this.parkIfFull(best.entry.jobId, best.queueId, best.policy.view.maxConcurrentOffers);
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
    for (const actor of this.#registry.pools.idle(queueId)) {
      const worker = actor.getSnapshot().context;
      if (worker.availableSince > cutoff) return prefix;
      if (!isEligible(worker, job, policy.bypassSelectors)) continue;
      prefix.push(worker);
      if (prefix.length === room) cutoff = worker.availableSince;
    }
    return prefix.length >= room ? prefix : undefined;
  }

  #mayOffer(jobId: string, workerId: string): boolean {
    for (const holder of this.#offers.of(jobId).values()) if (holder === workerId) return false;
    const retryAt = this.#registry.jobs.get(jobId)?.declines?.[workerId];
    return retryAt === undefined || retryAt <= this.#clock.now();
  }

  // ---------------------------------------------------------------- shared with scoring

  /** The queue's registered workers with spare capacity that may take the job. */
  eligibleWorkers(queueId: string, job: JobView, bypassSelectors: boolean): WorkerView[] {
    const eligible: WorkerView[] = [];
    for (const worker of workerViews(this.#registry.pools.registered(queueId)))
      if (isEligible(worker, job, bypassSelectors)) eligible.push(worker);
    return eligible;
  }

  /** Parks a waiting job whose offers are full, so worker-side matching passes it over; unparks it when not. */
  parkIfFull(jobId: string, queueId: string, maxConcurrentOffers: number): void {
    this.#dispatch.setParked(queueId, jobId, this.#offers.of(jobId).size >= maxConcurrentOffers);
  }

  jobView(record: JobRecord): JobView {
    const job = record.context.job;
    const offers = this.#offers.of(job.id);
    const declines = record.declines;
    const now = this.#clock.now();
    return {
      id: job.id,
      queueId: job.queueId ?? '',
      channelId: job.channelId ?? '',
      priority: job.priority,
      enqueueSeq: record.enqueueSeq,
      labels: job.labels,
      selectors: activeSelectors(job),
      offeredTo: offers.size > 0 ? new Set(offers.values()) : EMPTY_SET,
      declinedBy: declines
        ? new Set(Object.entries(declines).filter(([, retryAt]) => retryAt > now).map(([workerId]) => workerId))
        : EMPTY_SET,
    };
  }

  /** Reserves the worker's capacity and issues an offer; false when the worker could not take it after all. */
  issueOffer(record: JobRecord, workerId: string, queueId: string, policy: DistributionPolicy): boolean {
    const job = record.context.job;
    const worker = this.#registry.workerContext(workerId);
    const channel = worker?.channels.get(job.channelId ?? '');
    if (!worker || !channel) return false;
    const now = this.#clock.now();
    const offerId = this.#newId();
    const expiresAt =
      policy.offerExpiresAfterSeconds === undefined ? undefined : now + policy.offerExpiresAfterSeconds * 1000;
    const held = { offerId, jobId: job.id, channelId: job.channelId ?? '', capacityCost: channel.capacityCostPerJob, offeredAt: now, expiresAt };
    const after = this.#registry.sendWorker(workerId, { type: 'worker.reserve', offer: held });
    if (!after.offers[offerId]) return false;
    // The offer announces `RouterWorkerOfferIssued` as it enters `issued`.
    this.#offers.start({ ...held, workerId, queueId });
    return true;
  }
}

function* workerViews(actors: ReadonlySet<WorkerActor> | undefined): Generator<WorkerView> {
  for (const actor of actors ?? []) {
    const context = actor.getSnapshot().context;
    if (hasSpareCapacity(context)) yield context;
  }
}
