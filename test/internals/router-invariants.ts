/**
 * The router's invariants in the domain's words, checked from the public API, the event stream and the engine's
 * maps after every step of a property run.
 */
import { expect } from 'vitest';
import { RouterJobStatusSchema, type RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { Router } from '../../src/router.ts';

const TERMINAL_OFFER_EVENTS = new Set(['RouterWorkerOfferAccepted', 'RouterWorkerOfferDeclined', 'RouterWorkerOfferExpired', 'RouterWorkerOfferRevoked']);

interface OfferHolder {
  readonly workerId: string;
  readonly jobId: string;
}

/** Job events that happen at most once: per job, or per assignment for a close. */
const ONCE_PER_JOB = new Set(['RouterJobReceived', 'RouterJobCancelled', 'RouterJobDeleted']);

/**
 * Every offer's life, and each job's once-only milestones, as the event stream tells them. Reading events as they
 * arrive, it fails at once when a sequence number is skipped or repeated, an offer is issued twice, an offer ends
 * twice or without having been issued, or a job is received, cancelled, deleted or closed (per assignment) twice.
 */
export class EventLedger {
  readonly #issued = new Map<string, OfferHolder>();
  readonly #ended = new Map<string, string>();
  /** `type|jobId` (or `RouterJobClosed|assignmentId`) of the once-only events seen. */
  readonly #milestones = new Set<string>();
  /** Ended offers in the order they ended, with their worker (for late accepts). */
  readonly ended: Array<{ workerId: string; offerId: string }> = [];
  #read = 0;

  /** Takes in the events not read yet. */
  read(events: readonly RouterEvent[]): void {
    for (; this.#read < events.length; this.#read++) {
      const event = events[this.#read]!;
      expect(event.sequenceNumber, `event ${event.type} follows without a gap`).toBe(this.#read + 1);
      const milestone = ONCE_PER_JOB.has(event.type)
        ? `${event.type}|${String(event.data['jobId'])}`
        : event.type === 'RouterJobClosed'
          ? `${event.type}|${String(event.data['assignmentId'])}`
          : undefined;
      if (milestone !== undefined) {
        expect(this.#milestones.has(milestone), `${milestone} happens once`).toBe(false);
        this.#milestones.add(milestone);
      }
      const offerId = event.data['offerId'];
      if (typeof offerId !== 'string') continue;
      const holder = { workerId: String(event.data['workerId']), jobId: String(event.data['jobId']) };
      if (event.type === 'RouterWorkerOfferIssued') {
        expect(this.#issued.has(offerId), `offer ${offerId} issued once`).toBe(false);
        this.#issued.set(offerId, holder);
      } else if (TERMINAL_OFFER_EVENTS.has(event.type)) {
        expect(this.#issued.get(offerId), `offer ${offerId} was issued before ${event.type}`).toEqual(holder);
        expect(this.#ended.get(offerId), `offer ${offerId} ended once, now ${event.type}`).toBeUndefined();
        this.#ended.set(offerId, event.type);
        this.ended.push({ workerId: holder.workerId, offerId });
      }
    }
  }

  /** Whether a once-only event was seen: `type|jobId`, or `RouterJobClosed|assignmentId`. */
  saw(milestone: string): boolean {
    return this.#milestones.has(milestone);
  }

  /** Offers issued and not ended: offer id → holder. */
  live(): Map<string, OfferHolder> {
    const live = new Map<string, OfferHolder>();
    for (const [offerId, holder] of this.#issued) if (!this.#ended.has(offerId)) live.set(offerId, holder);
    return live;
  }
}

/** What the test knows that the router does not say. */
export interface Expectations {
  /** Jobs created and not deleted. */
  readonly jobIds: ReadonlySet<string>;
  /**
   * Workers reconfigured while holding assignments: lowering capacity or a channel's `maxNumberOfJobs` cannot take
   * back accepted work, so only these may hold more than their configuration allows (and then no offers at all).
   */
  readonly reconfiguredWhileBusy: Set<string>;
}

async function everyJob(router: Router): Promise<RouterJob[]> {
  // A small page size, so paging is part of "nothing lost".
  const jobs: RouterJob[] = [];
  let pageToken: string | undefined;
  do {
    const page = await router.listJobs({ maxpagesize: 7, pageToken });
    jobs.push(...page.value);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return jobs;
}

export async function checkInvariants(router: Router, ledger: EventLedger, events: readonly RouterEvent[], known: Expectations): Promise<void> {
  ledger.read(events);
  const jobs = await everyJob(router);
  const workers = (await router.listWorkers({ maxpagesize: 1000 })).value;
  await checkNothingLost(router, jobs, known);
  for (const worker of workers) checkWorkerLoad(router, worker, known);
  checkAssignments(jobs, workers);
  checkMilestones(jobs, ledger);
  checkOffers(router, jobs, workers, ledger);
  await checkQueues(router, jobs);
}

/** Every job created and not deleted is listed exactly once, in exactly one status. */
async function checkNothingLost(router: Router, jobs: readonly RouterJob[], known: Expectations): Promise<void> {
  const ids = jobs.map((job) => job.id);
  expect(new Set(ids).size, 'no job listed twice').toBe(ids.length);
  expect(new Set(ids), 'listJobs returns every job created and not deleted').toEqual(known.jobIds);
  expect(router.engine.actors.jobs.size).toBe(known.jobIds.size);
  const byStatus = await Promise.all(
    RouterJobStatusSchema.options.map(async (status) => (await router.listJobs({ status, maxpagesize: 1000 })).value.map((job) => job.id)),
  );
  expect(byStatus.flat().sort(), 'each job in exactly one status').toEqual([...ids].sort());
}

/** Capacity: offers never over-commit a worker, the load ratio tells the truth, per-worker offer cap holds. */
function checkWorkerLoad(router: Router, worker: RouterWorker, known: Expectations): void {
  const context = router.engine.actors.workerContext(worker.id)!;
  const offered = worker.offers.reduce((sum, offer) => sum + offer.capacityCost, 0);
  const assigned = worker.assignedJobs.reduce((sum, held) => sum + held.capacityCost, 0);
  const used = offered + assigned;
  const where = `worker ${worker.id} (capacity ${worker.capacity}, ${worker.offers.length} offers, ${worker.assignedJobs.length} assigned)`;
  expect(offered, where).toBeGreaterThanOrEqual(0);
  expect(assigned, where).toBeGreaterThanOrEqual(0);
  expect(worker.loadRatio, `${where}: loadRatio`).toBeCloseTo(worker.capacity > 0 ? Math.min(1, used / worker.capacity) : used > 0 ? 1 : 0, 9);
  if (worker.assignedJobs.length === 0) known.reconfiguredWhileBusy.delete(worker.id);
  const mayBeOver = known.reconfiguredWhileBusy.has(worker.id);

  const perChannel = new Map<string, number>();
  const offeredPerChannel = new Map<string, number>();
  for (const held of Object.values(context.offers)) offeredPerChannel.set(held.channelId, (offeredPerChannel.get(held.channelId) ?? 0) + 1);
  for (const held of [...Object.values(context.offers), ...Object.values(context.assignments)])
    perChannel.set(held.channelId, (perChannel.get(held.channelId) ?? 0) + 1);
  // An offer is a reservation: it never pushes the worker, or its channel, past a limit. Accepted work may stand
  // past a limit lowered after it was accepted, and then no offer may join it.
  if (worker.offers.length > 0 || !mayBeOver) expect(used, `${where}: reserved capacity`).toBeLessThanOrEqual(worker.capacity);
  for (const channel of worker.channels) {
    const count = perChannel.get(channel.channelId) ?? 0;
    if (channel.maxNumberOfJobs === undefined || (mayBeOver && !offeredPerChannel.has(channel.channelId))) continue;
    expect(count, `${where}: jobs on ${channel.channelId} within maxNumberOfJobs`).toBeLessThanOrEqual(channel.maxNumberOfJobs);
  }
  if (worker.maxConcurrentOffers !== undefined) expect(worker.offers.length, `${where}: maxConcurrentOffers`).toBeLessThanOrEqual(worker.maxConcurrentOffers);
  const state = worker.availableForOffers ? 'active' : worker.assignedJobs.length > 0 ? 'draining' : 'inactive';
  expect(worker.state, `${where}: registered ${worker.availableForOffers}`).toBe(state);
  if (worker.state !== 'active') expect(worker.offers, `${where} is ${worker.state} and holds no offers`).toEqual([]);
  expect(new Set(worker.offers.map((offer) => offer.jobId)).size, `${where}: one offer per job`).toBe(worker.offers.length);
}

/** Every job was announced once, and a finished one announced its end: closed per assignment, or cancelled. */
function checkMilestones(jobs: readonly RouterJob[], ledger: EventLedger): void {
  for (const job of jobs) {
    expect(ledger.saw(`RouterJobReceived|${job.id}`), `job ${job.id} was received`).toBe(true);
    if (job.status === 'cancelled') expect(ledger.saw(`RouterJobCancelled|${job.id}`), `job ${job.id} announced its cancel`).toBe(true);
    for (const assignment of Object.values(job.assignments))
      expect(ledger.saw(`RouterJobClosed|${assignment.assignmentId}`), `job ${job.id} assignment ${assignment.assignmentId} closed or not`).toBe(
        assignment.closedAt !== undefined,
      );
  }
}

/** A job is assigned to at most one worker, and an assigned or completed job to exactly the one its assignment names. */
function checkAssignments(jobs: readonly RouterJob[], workers: readonly RouterWorker[]): void {
  const holders = new Map<string, Array<{ workerId: string; assignmentId: string }>>();
  for (const worker of workers)
    for (const held of worker.assignedJobs) {
      const list = holders.get(held.jobId) ?? [];
      list.push({ workerId: worker.id, assignmentId: held.assignmentId });
      holders.set(held.jobId, list);
    }
  for (const job of jobs) {
    const held = holders.get(job.id) ?? [];
    if (job.status === 'assigned' || job.status === 'completed') {
      const current = Object.values(job.assignments).filter((assignment) => assignment.closedAt === undefined);
      expect(current, `job ${job.id} (${job.status}) has one assignment in force`).toHaveLength(1);
      expect(held, `job ${job.id} (${job.status}) is held by exactly its assigned worker`).toEqual([
        { workerId: current[0]!.workerId, assignmentId: current[0]!.assignmentId },
      ]);
    } else expect(held, `job ${job.id} (${job.status}) is held by no worker`).toEqual([]);
  }
  const unknown = [...holders.keys()].filter((jobId) => !jobs.some((job) => job.id === jobId));
  expect(unknown, 'workers hold only existing jobs').toEqual([]);
}

/** Offers: only queued jobs have them, within the policy's maximum, and exactly the offers the events leave live. */
function checkOffers(router: Router, jobs: readonly RouterJob[], workers: readonly RouterWorker[], ledger: EventLedger): void {
  const shown = new Map<string, { workerId: string; jobId: string }>();
  for (const worker of workers) for (const offer of worker.offers) shown.set(offer.offerId, { workerId: worker.id, jobId: offer.jobId });
  expect(shown, 'the offers workers hold are exactly those issued and not ended').toEqual(ledger.live());
  expect(new Set(router.engine.offers.keys()), "the engine's live offers").toEqual(new Set(shown.keys()));

  const perJob = new Map<string, number>();
  for (const { jobId } of shown.values()) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  for (const job of jobs) {
    const count = perJob.get(job.id) ?? 0;
    if (count === 0) continue;
    expect(job.status, `job ${job.id} with ${count} offers`).toBe('queued');
    const policyId = job.queueId === undefined ? undefined : router.engine.catalogue.queues.get(job.queueId)?.resource.distributionPolicyId;
    const mode = policyId === undefined ? undefined : router.engine.catalogue.distributionPolicies.get(policyId)?.resource.mode;
    expect(count, `job ${job.id}: live offers within ${policyId}'s maxConcurrentOffers`).toBeLessThanOrEqual(mode?.maxConcurrentOffers ?? 1);
  }
  const orphans = [...perJob.keys()].filter((jobId) => !jobs.some((job) => job.id === jobId));
  expect(orphans, 'offers only for existing jobs').toEqual([]);

  // Each live offer still fits its worker: the worker listens on the job's queue, has its channel, and has not
  // declined the job for longer than now.
  const workersById = new Map(workers.map((worker) => [worker.id, worker]));
  for (const [offerId, { workerId, jobId }] of shown) {
    const job = jobs.find((candidate) => candidate.id === jobId)!;
    const worker = workersById.get(workerId)!;
    const where = `offer ${offerId} of job ${jobId} to ${workerId}`;
    expect(worker.queues, `${where}: worker listens on ${job.queueId}`).toContain(job.queueId);
    expect(worker.channels.map((channel) => channel.channelId), `${where}: worker has channel ${job.channelId}`).toContain(job.channelId);
    const retryAt = router.engine.actors.jobs.get(jobId)?.declines?.[workerId];
    if (retryAt !== undefined) expect(retryAt, `${where}: declined until`).toBeLessThanOrEqual(router.engine.now());
  }
}

/** A queue's length is the number of its queued jobs; a job is in line exactly while it is queued. */
async function checkQueues(router: Router, jobs: readonly RouterJob[]): Promise<void> {
  for (const queueId of router.engine.catalogue.queues.keys()) {
    const queued = jobs.filter((job) => job.status === 'queued' && job.queueId === queueId).length;
    expect((await router.getQueueStatistics(queueId)).length, `queue ${queueId} length`).toBe(queued);
  }
  for (const job of jobs) {
    const inLine = await router.getInQueuePosition(job.id).then(
      () => true,
      () => false,
    );
    expect(inLine, `job ${job.id} (${job.status}) has a queue position`).toBe(job.status === 'queued');
  }
}
