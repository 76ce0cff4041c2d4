import type { WorkerConfig, WorkerContext } from '../../machines/worker.machine.ts';
import type { Engine } from '../engine/engine.ts';
import { RouterError } from '../errors.ts';
import { hasRoomFor, loadRatio } from '../matching/capacity.ts';
import type { AcceptJobOfferResult, DeclineJobOfferOptions } from '../protocol/actions.schemas.ts';
import { patchWritable, writableOf, type WritableOf } from '../protocol/resources.ts';
import type { ListWorkersFilters, RouterWorker } from '../protocol/worker.schemas.ts';
import type { UpsertResult } from './admin.ts';
import { paginate, type Page, type PageRequest } from './paging.ts';
import { checkPreconditions, type Preconditions } from './preconditions.ts';
import { toIso as iso } from '../time.ts';


/** The wire form of a worker. */
export function renderWorker(engine: Engine, workerId: string): RouterWorker {
  const record = engine.actors.workerRecord(workerId)!;
  const { context } = record;
  return {
    etag: record.etag,
    id: workerId,
    ...context.config,
    queues: [...context.config.queues],
    channels: [...context.config.channels],
    state: record.state,
    offers: Object.values(context.offers).map((offer) => ({
      offerId: offer.offerId,
      jobId: offer.jobId,
      capacityCost: offer.capacityCost,
      offeredAt: iso(offer.offeredAt),
      ...(offer.expiresAt === undefined ? {} : { expiresAt: iso(offer.expiresAt) }),
    })),
    assignedJobs: Object.values(context.assignments).map((assignment) => ({
      assignmentId: assignment.assignmentId,
      jobId: assignment.jobId,
      capacityCost: assignment.capacityCost,
      assignedAt: iso(assignment.assignedAt),
    })),
    loadRatio: loadRatio(context),
  };
}

function requireWorker(engine: Engine, workerId: string): WorkerContext {
  const context = engine.actors.workerContext(workerId);
  if (!context) throw new RouterError('NotFound', `worker ${workerId} does not exist`, 'workerId');
  return context;
}

export function upsertWorker(engine: Engine, workerId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterWorker>> {
  const existing = engine.actors.workerContext(workerId);
  checkPreconditions(existing ? engine.catalogue.workerVersions.get(workerId) : undefined, conditions);
  const fields: WritableOf<'worker'> = patchWritable('worker', existing ? writableOf('worker', existing.config) : undefined, body);
  fields.queues.forEach((queueId, i) => {
    if (!engine.catalogue.queues.has(queueId)) throw new RouterError('ReferenceNotFound', `queue ${queueId} does not exist`, `queues.${i}`);
  });
  const config: WorkerConfig = { ...fields, labels: { ...fields.labels, Id: workerId } };
  return engine.command(() => {
    const at = engine.now();
    const before = existing ?? engine.actors.createWorker(workerId, { ...config, availableForOffers: false }).getSnapshot().context;
    const wasActive = engine.actors.workerRecord(workerId)?.state === 'active';
    revokeOffersThatNoLongerFit(engine, before, config, at);
    // The machine announces the registration, the deregistration, or the properties that changed.
    engine.actors.sendWorker(workerId, { type: 'worker.configure', config, at });
    if (!existing) engine.catalogue.workerVersions.set(workerId, engine.catalogue.nextVersion());
    // A worker that registers again may be offered the jobs it declined (spec §3.3).
    if (!wasActive && engine.actors.workerRecord(workerId)!.state === 'active') engine.offers.clearDeclinesOf(workerId);
    return { resource: renderWorker(engine, workerId), created: !existing };
  });
}

/**
 * Deregistering revokes every offer; leaving a queue or channel revokes the offers that came from it. Lowering
 * `capacity`, a channel's `maxNumberOfJobs` or `maxConcurrentOffers` revokes the newest offers that no longer fit
 * beside the assigned jobs (which cannot be taken back), so an offer never stands for capacity the worker lacks.
 */
function revokeOffersThatNoLongerFit(engine: Engine, worker: WorkerContext, config: WorkerConfig, at: number): void {
  const channels = new Map(config.channels.map((channel) => [channel.channelId, channel]));
  const jobsPerChannel = new Map<string, number>();
  let used = 0;
  for (const held of Object.values(worker.assignments)) {
    used += held.capacityCost;
    jobsPerChannel.set(held.channelId, (jobsPerChannel.get(held.channelId) ?? 0) + 1);
  }
  let kept = 0;
  const oldestFirst = Object.values(worker.offers).sort((a, b) => a.offeredAt - b.offeredAt);
  for (const offer of oldestFirst) {
    const queueId = engine.job(offer.jobId)?.context.job.queueId;
    const channel = channels.get(offer.channelId);
    const onChannel = jobsPerChannel.get(offer.channelId) ?? 0;
    const fits =
      config.availableForOffers &&
      queueId !== undefined &&
      config.queues.includes(queueId) &&
      channel !== undefined &&
      used + offer.capacityCost <= config.capacity &&
      (channel.maxNumberOfJobs === undefined || onChannel < channel.maxNumberOfJobs) &&
      (config.maxConcurrentOffers === undefined || kept < config.maxConcurrentOffers);
    if (!fits) {
      engine.offers.end(offer.offerId, 'revoked', at);
      continue;
    }
    used += offer.capacityCost;
    jobsPerChannel.set(offer.channelId, onChannel + 1);
    kept++;
  }
}

export function getWorker(engine: Engine, workerId: string): RouterWorker {
  requireWorker(engine, workerId);
  return renderWorker(engine, workerId);
}

export function deleteWorker(engine: Engine, workerId: string): Promise<void> {
  const worker = requireWorker(engine, workerId);
  if (Object.keys(worker.assignments).length > 0)
    throw new RouterError('WorkerHasAssignedJobs', `worker ${workerId} still has assigned jobs; close them first`, 'workerId');
  return engine.command(() => {
    const at = engine.now();
    for (const offerId of Object.keys(worker.offers)) engine.offers.end(offerId, 'revoked', at);
    engine.deleteWorker(workerId);
    engine.emit(engine.events.worker('RouterWorkerDeleted', workerId));
  });
}

/** The `listWorkers` query: its filters (typed by their schema) and paging. */
export type ListWorkersRequest = PageRequest & ListWorkersFilters;

export function listWorkers(engine: Engine, request: ListWorkersRequest): Page<RouterWorker> {
  const state = request.state ?? 'all';
  const keep = (_actor: unknown, workerId: string): boolean => {
    const record = engine.actors.workerRecord(workerId)!;
    const worker = record.context;
    if (state !== 'all' && record.state !== state) return false;
    if (request.channelId !== undefined && !worker.channels.has(request.channelId)) return false;
    if (request.queueId !== undefined && !worker.queues.has(request.queueId)) return false;
    if (request.hasCapacity) {
      if (!worker.active) return false;
      const channels = request.channelId === undefined ? [...worker.channels.keys()] : [request.channelId];
      if (!channels.some((channelId) => hasRoomFor(worker, channelId))) return false;
    }
    return true;
  };
  return paginate(engine.actors.workers, request, keep, (_actor, workerId) => renderWorker(engine, workerId));
}

/** Finds a live offer of this worker, or explains precisely why there is none. */
function requireLiveOffer(engine: Engine, workerId: string, offerId: string): { jobId: string; queueId: string } {
  requireWorker(engine, workerId);
  const offer = engine.offers.get(offerId)?.getSnapshot().context;
  if (offer && offer.workerId === workerId) return { jobId: offer.jobId, queueId: offer.queueId };
  const ended = engine.offers.ended.get(offerId);
  if (ended && ended.workerId === workerId)
    throw new RouterError('OfferNotActive', `offer ${offerId} was already ${ended.outcome}`, 'offerId');
  throw new RouterError('OfferNotFound', `worker ${workerId} has no offer ${offerId}`, 'offerId');
}

export function acceptJobOffer(engine: Engine, workerId: string, offerId: string): Promise<AcceptJobOfferResult> {
  const { jobId, queueId } = requireLiveOffer(engine, workerId, offerId);
  return engine.command(() => {
    const at = engine.now();
    const assignmentId = engine.newId();
    engine.offers.accept(offerId, at);
    // The worker announces `RouterWorkerOfferAccepted` as the offer becomes its assignment.
    engine.actors.sendWorker(workerId, { type: 'worker.assign', offerId, assignmentId, at });
    engine.sendJob(jobId, { type: 'job.assign', assignmentId, workerId, at });
    engine.dispatch.dequeue(jobId, queueId);
    engine.catalogue.recordDispatch(queueId);
    engine.offers.revokeOfJob(jobId, at);
    return { assignmentId, jobId, workerId };
  });
}

export function declineJobOffer(engine: Engine, workerId: string, offerId: string, options: DeclineJobOfferOptions = {}): Promise<Record<string, never>> {
  const { jobId } = requireLiveOffer(engine, workerId, offerId);
  const retryOfferAt = options.retryOfferAt === undefined ? undefined : Date.parse(options.retryOfferAt);
  return engine.command(() => {
    engine.offers.recordDecline(jobId, workerId, retryOfferAt);
    engine.offers.end(offerId, 'declined', engine.now(), retryOfferAt);
    return {};
  });
}
