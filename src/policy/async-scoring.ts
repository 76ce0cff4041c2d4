/**
 * bestWorker distribution with a `function` or `webhook` scoring rule (docs/policies.md): the eligible workers are
 * scored outside the command and the job is parked meanwhile, so worker-side matching does not offer it. The scores
 * are applied in a later command, guarded by a generation like classification's results.
 */
import type { ActorRegistry } from '../engine/actor-registry.ts';
import type { JobScoring, Matching } from '../engine/matching.ts';
import type { OfferBook } from '../engine/offer-book.ts';
import type { QueueDispatch } from '../engine/queue-dispatch.ts';
import type { JobRecord } from '../engine/records.ts';
import type { PreparedPolicy, ResourceCatalogue } from '../engine/resource-catalogue.ts';
import { hasSpareCapacity } from '../matching/capacity.ts';
import { rankWorkers } from '../matching/distribution.ts';
import type { WorkerScorer, WorkerView } from '../matching/types.ts';
import { InMemoryGenerations } from './generations.ts';
import type { AsyncWorkerScorer } from './scoring.ts';

/** What scoring reads and drives: the engine's modules, and a way to run a command of its own later. */
export interface ScoringParts {
  readonly matching: Matching;
  readonly registry: ActorRegistry;
  readonly offers: OfferBook;
  readonly catalogue: ResourceCatalogue;
  readonly dispatch: QueueDispatch;
  /** Runs `apply` as a command; resolves without running it once the engine has stopped. */
  readonly command: (apply: () => void) => Promise<unknown>;
}

export class AsyncScoring implements JobScoring {
  /** Jobs whose scoring is under way, by job id. One scoring per job at a time. */
  readonly #scoring = new InMemoryGenerations();
  readonly #parts: ScoringParts;

  constructor(parts: ScoringParts) {
    this.#parts = parts;
  }

  /** How many jobs are being scored. */
  get size(): number {
    return this.#scoring.size;
  }

  /** Scores the job's eligible workers unless that is under way; a job with no one to score is (un)parked as its offers say. */
  start(record: JobRecord, queueId: string, prepared: PreparedPolicy, scorer: AsyncWorkerScorer): void {
    const { matching, offers, dispatch } = this.#parts;
    const jobId = record.context.job.id;
    if (this.#scoring.has(jobId)) return;
    const max = prepared.view.maxConcurrentOffers;
    const view = matching.jobView(record);
    const candidates = max - offers.of(jobId).size > 0 ? matching.eligibleWorkers(queueId, view, prepared.view.bypassSelectors) : [];
    if (candidates.length === 0) return matching.parkIfFull(jobId, queueId, max);
    const generation = this.#scoring.begin(jobId);
    dispatch.setParked(queueId, jobId, true);
    const { etag, enqueueSeq } = record;
    this.#scoring.applyLater(jobId, generation, scorer.score(view, candidates), this.#parts.command, (received) =>
      this.#apply(jobId, queueId, generation, etag, enqueueSeq, candidates, received),
    );
  }

  /**
   * Scores arrived: if the job is still queued where it was, unchanged, offers it to the best of the scored workers
   * that are still eligible. Otherwise the result is dropped and a job still queued is matched again.
   */
  #apply(
    jobId: string,
    queueId: string,
    generation: number,
    etag: string,
    enqueueSeq: number,
    scored: readonly WorkerView[],
    scores: readonly number[],
  ): void {
    const { matching, registry, offers, catalogue, dispatch } = this.#parts;
    this.#scoring.finish(jobId, generation);
    const record = registry.jobs.get(jobId);
    const prepared = catalogue.policyOf(queueId);
    if (!record || record.status !== 'queued' || record.context.job.queueId !== queueId) return;
    if (!dispatch.isWaiting(queueId, jobId) || !prepared) return;
    if (record.etag !== etag || record.enqueueSeq !== enqueueSeq || prepared.asyncScorer === undefined) {
      matching.job(jobId);
      return;
    }
    const max = prepared.view.maxConcurrentOffers;
    const room = max - offers.of(jobId).size;
    const scoreOf = new Map<string, number>();
    scored.forEach((worker, i) => scoreOf.set(worker.id, scores[i] ?? Number.NaN));
    const current: WorkerView[] = [];
    for (const { id } of scored) {
      const worker = registry.workerContext(id);
      if (worker && hasSpareCapacity(worker)) current.push(worker);
    }
    const view = matching.jobView(record);
    const received: WorkerScorer = { score: (_job, workers) => workers.map((worker) => scoreOf.get(worker.id) ?? Number.NaN) };
    const { workers } = rankWorkers(view, current, { ...prepared.view, scorer: received }, undefined, room);
    const offered = new Set<string>();
    for (const worker of workers) if (matching.issueOffer(record, worker.id, queueId, prepared.policy)) offered.add(worker.id);
    // Scored workers passed over may take other jobs; workers that became free meanwhile were not scored yet.
    for (const worker of current) if (!offered.has(worker.id)) matching.worker(worker.id);
    matching.parkIfFull(jobId, queueId, max);
    if (offered.size < room && matching.eligibleWorkers(queueId, view, prepared.view.bypassSelectors).some((worker) => !scoreOf.has(worker.id)))
      matching.job(jobId);
  }
}
