import type { OfferContext } from '../../machines/offer.machine.ts';
import type { WorkerContext } from '../../machines/worker.machine.ts';
import type { ActorRegistry, OfferActor } from './actor-registry.ts';
import type { CommitPipeline } from './commit-pipeline.ts';
import type { DeadlineHeap } from './deadline-heap.ts';

/** How an offer ended, kept for a while so a late accept or decline is answered precisely. */
export type OfferOutcome = 'accepted' | 'declined' | 'expired' | 'revoked';

/** How many ended offers are remembered to answer late accepts with 409 rather than 404. */
const ENDED_OFFER_MEMORY = 100_000;

const NO_OFFERS: ReadonlyMap<string, string> = new Map();

/** What the offer book asks of matching. */
export interface OfferBookHooks {
  /** An offer of the job ended: it may be parked no longer, be offered again, or need no actor any more. */
  offerEnded(jobId: string, queueId: string): void;
  /** A decline ran out or was cleared: the job may be offered to that worker again. */
  wantMatch(jobId: string): void;
}

/**
 * The offers of the router: the live ones (their actors are in the registry) by job, the ended ones for a while,
 * and the declines that keep a worker from being offered a job again until their retry deadline.
 */
export class OfferBook {
  /** Ended offers, oldest first: offer id → the worker it was for and how it ended. */
  readonly ended = new Map<string, { workerId: string; outcome: OfferOutcome }>();

  /** Live offers per job: offer id → worker id. */
  readonly #byJob = new Map<string, Map<string, string>>();
  /** Jobs each worker has declined, so re-registration clears them without scanning every job. */
  readonly #declinedBy = new Map<string, Set<string>>();
  readonly #registry: ActorRegistry;
  readonly #pipeline: CommitPipeline;
  readonly #deadlines: DeadlineHeap;
  readonly #hooks: OfferBookHooks;

  constructor(registry: ActorRegistry, pipeline: CommitPipeline, deadlines: DeadlineHeap, hooks: OfferBookHooks) {
    this.#registry = registry;
    this.#pipeline = pipeline;
    this.#deadlines = deadlines;
    this.#hooks = hooks;
  }

  /** Live offers of a job: offer id → worker id. */
  of(jobId: string): ReadonlyMap<string, string> {
    return this.#byJob.get(jobId) ?? NO_OFFERS;
  }

  /** A live offer's actor. */
  get(offerId: string): OfferActor | undefined {
    return this.#registry.offers.get(offerId);
  }

  /** Ids of the live offers. */
  keys(): IterableIterator<string> {
    return this.#registry.offers.keys();
  }

  /** The live offers' actors. */
  values(): IterableIterator<OfferActor> {
    return this.#registry.offers.values();
  }

  get size(): number {
    return this.#registry.offers.size;
  }

  /** Jobs holding live offers. */
  jobsWithOffers(): IterableIterator<string> {
    return this.#byJob.keys();
  }

  /** Counts for the engine's footprint. */
  counts(): { jobsWithOffers: number; decliners: number; declines: number } {
    let declines = 0;
    for (const jobs of this.#declinedBy.values()) declines += jobs.size;
    return { jobsWithOffers: this.#byJob.size, decliners: this.#declinedBy.size, declines };
  }

  // ---------------------------------------------------------------- live offers

  /**
   * Creates the offer actor, links it to its job and arms its expiry; a new offer announces
   * `RouterWorkerOfferIssued`, one `restored` from the store does not.
   */
  start(input: Omit<OfferContext, 'endedAt' | 'retryOfferAt'>, restored = false): void {
    this.#registry.createOffer(input, restored);
    let jobOffers = this.#byJob.get(input.jobId);
    if (!jobOffers) this.#byJob.set(input.jobId, (jobOffers = new Map()));
    jobOffers.set(input.offerId, input.workerId);
    if (input.expiresAt !== undefined) this.#deadlines.arm(`offer:${input.offerId}`, input.expiresAt);
  }

  /** Restores the live offers a stored worker holds. */
  restoreHeldBy(worker: WorkerContext): void {
    for (const held of Object.values(worker.offers)) {
      const queueId = this.#registry.jobs.get(held.jobId)?.context.job.queueId ?? '';
      this.start({ ...held, workerId: worker.id, queueId }, true);
    }
  }

  /**
   * Ends a live offer: the offer actor takes its final state (announcing how the offer ended), the worker releases
   * the capacity, the job may be offered again. `accepted` is handled by `accept`, which converts the capacity
   * instead of releasing it.
   */
  end(offerId: string, outcome: Exclude<OfferOutcome, 'accepted'>, at: number, retryOfferAt?: number): OfferContext | undefined {
    const actor = this.#registry.offers.get(offerId);
    if (!actor || actor.getSnapshot().status === 'done') return undefined;
    const type = outcome === 'declined' ? 'offer.decline' : outcome === 'expired' ? 'offer.expire' : 'offer.revoke';
    actor.send(type === 'offer.decline' ? { type, at, retryOfferAt } : { type, at });
    if (actor.getSnapshot().status !== 'done') return undefined;
    this.#pipeline.recordTransition('offer', offerId, 'issued', outcome, type);
    const offer = actor.getSnapshot().context;
    this.#forget(offer, outcome);
    this.#registry.sendWorker(offer.workerId, { type: 'worker.offerEnded', offerId, at });
    if (this.#registry.jobs.has(offer.jobId)) this.#hooks.offerEnded(offer.jobId, offer.queueId);
    return offer;
  }

  /** Marks an offer accepted; the caller assigns the job. */
  accept(offerId: string, at: number): OfferContext {
    const actor = this.#registry.offers.get(offerId)!;
    actor.send({ type: 'offer.accept', at });
    this.#pipeline.recordTransition('offer', offerId, 'issued', 'accepted', 'offer.accept');
    const offer = actor.getSnapshot().context;
    this.#forget(offer, 'accepted');
    return offer;
  }

  /** Revokes every live offer of a job (it was accepted elsewhere, cancelled, moved or suspended). */
  revokeOfJob(jobId: string, at: number): void {
    for (const offerId of [...this.of(jobId).keys()]) this.end(offerId, 'revoked', at);
  }

  #forget(offer: OfferContext, outcome: OfferOutcome): void {
    this.#registry.offers.delete(offer.offerId);
    this.#deadlines.cancel(`offer:${offer.offerId}`);
    const jobOffers = this.#byJob.get(offer.jobId);
    jobOffers?.delete(offer.offerId);
    if (jobOffers?.size === 0) this.#byJob.delete(offer.jobId);
    this.ended.set(offer.offerId, { workerId: offer.workerId, outcome });
    if (this.ended.size > ENDED_OFFER_MEMORY) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }

  // ---------------------------------------------------------------- declines

  /** Records a decline; with `retryOfferAt` the worker becomes eligible again then, otherwise never. */
  recordDecline(jobId: string, workerId: string, retryOfferAt: number | undefined): void {
    const record = this.#registry.jobs.get(jobId);
    if (!record) return;
    this.#registry.updateRecord(jobId, { declines: { ...record.declines, [workerId]: retryOfferAt ?? Infinity } });
    this.#noteDecline(jobId, workerId);
    if (retryOfferAt !== undefined) this.#deadlines.arm(`retry:${jobId}|${workerId}`, retryOfferAt);
  }

  /** A re-registered worker is eligible again for the jobs it declined (spec §3.3). */
  clearDeclinesOf(workerId: string): void {
    const declined = this.#declinedBy.get(workerId);
    this.#declinedBy.delete(workerId);
    for (const jobId of declined ?? []) {
      if (!this.#dropDecline(jobId, workerId)) continue;
      this.#deadlines.cancel(`retry:${jobId}|${workerId}`);
      this.#hooks.wantMatch(jobId);
    }
  }

  /** `retry:<jobId>|<workerId>` is due: the worker may be offered the job again. */
  retryDue(key: string): void {
    const [jobId = '', workerId = ''] = key.split('|');
    if (this.#dropDecline(jobId, workerId)) this.#hooks.wantMatch(jobId);
  }

  /** A stored job came back: its declines are indexed by worker again. */
  restored(jobId: string, declines: Readonly<Record<string, number>> | undefined): void {
    for (const workerId of Object.keys(declines ?? {})) this.#noteDecline(jobId, workerId);
  }

  /** A deleted job's declines go with it. */
  jobDeleted(jobId: string, declines: Readonly<Record<string, number>> | undefined): void {
    for (const workerId of Object.keys(declines ?? {})) {
      const declined = this.#declinedBy.get(workerId);
      declined?.delete(jobId);
      if (declined?.size === 0) this.#declinedBy.delete(workerId);
    }
  }

  #noteDecline(jobId: string, workerId: string): void {
    let declined = this.#declinedBy.get(workerId);
    if (!declined) this.#declinedBy.set(workerId, (declined = new Set()));
    declined.add(jobId);
  }

  /** Removes one decline from the job's record; false when there was none. */
  #dropDecline(jobId: string, workerId: string): boolean {
    const declines = this.#registry.jobs.get(jobId)?.declines;
    if (declines?.[workerId] === undefined) return false;
    const { [workerId]: _dropped, ...rest } = declines;
    this.#registry.updateRecord(jobId, { declines: Object.keys(rest).length > 0 ? rest : undefined });
    return true;
  }
}
