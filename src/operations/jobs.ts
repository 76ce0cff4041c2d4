import { jobStatusHasTag, type JobData, type JobEvent } from '../../machines/job.machine.ts';
import type { Engine, JobRecord } from '../engine/engine.ts';
import { RouterError } from '../errors.ts';
import type {
  CancelJobOptions,
  CloseJobOptions,
  CompleteJobOptions,
  UnassignJobOptions,
  UnassignJobResult,
} from '../protocol/actions.schemas.ts';
import type { ListJobsFilters, RouterJob, RouterJobPositionDetails } from '../protocol/job.schemas.ts';
import type { RouterQueueStatistics } from '../protocol/queue.schemas.ts';
import { patchWritable, writableOf, type WritableOf } from '../protocol/resources.ts';
import { classifyJob, reclassifyOnUpdate } from '../policy/classification.ts';
import { enqueue, route, withdraw } from '../policy/routing.ts';
import { enterPendingSchedule } from '../policy/scheduling.ts';
import { armSelectorExpiry, stampSelector } from '../policy/selector-expiry.ts';
import { cancelNow, releaseAssignment } from '../policy/cancellation.ts';
import type { UpsertResult } from './admin.ts';
import { paginate, type Page, type PageRequest } from './paging.ts';
import { checkPreconditions, type Preconditions } from './preconditions.ts';
import { toIso } from '../time.ts';

/** The wire form of a stored job. */
export function renderJob(record: JobRecord): RouterJob {
  return { etag: record.etag, ...record.context.job, status: record.status };
}

function requireJob(engine: Engine, jobId: string): JobRecord {
  const record = engine.job(jobId);
  if (!record) throw new RouterError('NotFound', `job ${jobId} does not exist`, 'jobId');
  return record;
}

/** Refuses a command the job's machine would not accept in its current state. */
function requireTransition(engine: Engine, record: JobRecord, event: JobEvent, action: string): void {
  if (!engine.actors.canSendJob(record.context.job.id, event))
    throw new RouterError('InvalidJobState', `cannot ${action} job ${record.context.job.id} while it is ${record.status}`, 'status');
}

/** Sets `status`/`expiresAt` on selectors that expire, and `addedAt` on notes that lack it. */
function stampTimes(fields: WritableOf<'job'>, now: number): WritableOf<'job'> {
  return {
    ...fields,
    requestedWorkerSelectors: fields.requestedWorkerSelectors.map((selector) => stampSelector(selector, now)),
    notes: fields.notes.map((note) => (note.addedAt ? note : { ...note, addedAt: toIso(now) })),
  };
}

function checkReferences(engine: Engine, fields: WritableOf<'job'>, previous: JobData | undefined): void {
  if (fields.queueId !== undefined && fields.queueId !== previous?.queueId && !engine.catalogue.queues.has(fields.queueId))
    throw new RouterError('ReferenceNotFound', `queue ${fields.queueId} does not exist`, 'queueId');
  if (
    fields.classificationPolicyId !== undefined &&
    fields.classificationPolicyId !== previous?.classificationPolicyId &&
    !engine.catalogue.classificationPolicies.has(fields.classificationPolicyId)
  )
    throw new RouterError('ReferenceNotFound', `classification policy ${fields.classificationPolicyId} does not exist`, 'classificationPolicyId');
}

export function upsertJob(engine: Engine, jobId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterJob>> {
  const existing = engine.job(jobId);
  checkPreconditions(existing, conditions);
  const now = engine.now();
  const fields = stampTimes(patchWritable('job', existing ? writableOf('job', existing.context.job) : undefined, body), now);
  checkReferences(engine, fields, existing?.context.job);
  checkRoutable(fields);
  if (!existing) return createJob(engine, jobId, fields);
  return updateJob(engine, existing, fields);
}

/**
 * A job always has a channel and a way to a queue, created or patched: a merge patch's `null` removes a field, so
 * `channelId: null` (or `queueId: null` on a job without a classification policy) would otherwise leave a job that
 * no worker can ever match, still `queued`.
 */
function checkRoutable(fields: WritableOf<'job'>): void {
  if (fields.channelId === undefined) throw new RouterError('InvalidRequest', 'channelId is required', 'channelId');
  if (fields.queueId === undefined && fields.classificationPolicyId === undefined)
    throw new RouterError('InvalidRequest', 'a job needs a queueId or a classificationPolicyId', 'queueId');
}

function createJob(engine: Engine, jobId: string, fields: WritableOf<'job'>): Promise<UpsertResult<RouterJob>> {
  return engine.command(() => {
    const record = engine.actors.createJob({ id: jobId, ...fields, attachedWorkerSelectors: [], assignments: {} });
    const job = record.context.job;
    const classified = job.classificationPolicyId !== undefined;
    armSelectorExpiry(engine, jobId);
    // The response shows the job as created (or pending classification, or pending schedule); queueing or
    // scheduling follows in the same commit, as Azure's asynchronous step.
    if (classified) return { resource: renderJob(classifyJob(engine, jobId)), created: true };
    const resource = renderJob(job.matchingMode.kind === 'scheduleAndSuspend' ? enterPendingSchedule(engine, jobId) : record);
    route(engine, jobId);
    return { resource, created: true };
  });
}

function updateJob(engine: Engine, existing: JobRecord, fields: WritableOf<'job'>): Promise<UpsertResult<RouterJob>> {
  const jobId = existing.context.job.id;
  const previous = existing.context.job;
  if (fields.matchingMode.kind === 'scheduleAndSuspend' && previous.matchingMode.kind !== 'scheduleAndSuspend')
    throw new RouterError('InvalidJobState', 'a job can be scheduled only when it is created', 'matchingMode');
  return engine.command(() => {
    const at = engine.now();
    const record = engine.sendJob(jobId, { type: 'job.update', fields, at });
    armSelectorExpiry(engine, jobId);
    const reclassifying = reclassifyOnUpdate(engine, jobId, previous);
    if (reclassifying) return { resource: renderJob(reclassifying), created: false };
    const job = record.context.job;
    const modeChanged = job.matchingMode.kind !== previous.matchingMode.kind;
    if (record.status === 'queued' && (job.queueId !== previous.queueId || (modeChanged && job.matchingMode.kind !== 'queueAndMatch'))) {
      withdraw(engine, { ...record, context: { ...record.context, job: previous } }, at);
      if (job.matchingMode.kind === 'queueAndMatch') enqueue(engine, jobId);
      else route(engine, jobId);
    } else if (record.status === 'queued') {
      engine.dispatch.reindex(jobId);
    } else if (modeChanged && job.matchingMode.kind === 'queueAndMatch' && (record.status === 'waitingForActivation' || record.status === 'scheduled')) {
      engine.deadlines.cancel(`schedule:${jobId}`);
      enqueue(engine, jobId);
    }
    return { resource: renderJob(engine.job(jobId)!), created: false };
  });
}

export function getJob(engine: Engine, jobId: string): RouterJob {
  return renderJob(requireJob(engine, jobId));
}

export function deleteJob(engine: Engine, jobId: string): Promise<void> {
  const record = requireJob(engine, jobId);
  if (!jobStatusHasTag(record.status, 'terminal'))
    throw new RouterError('JobNotTerminal', `job ${jobId} is ${record.status}; cancel or close it before deleting`, 'status');
  return engine.command(() => {
    engine.deleteJob(jobId);
    engine.emit(engine.events.job('RouterJobDeleted', record.context.job, {}));
  });
}

/** The `listJobs` query: its filters (typed by their schema) and paging. */
export type ListJobsRequest = PageRequest & ListJobsFilters;

export function listJobs(engine: Engine, request: ListJobsRequest): Page<RouterJob> {
  const status = request.status ?? 'all';
  const before = request.scheduledBefore === undefined ? undefined : Date.parse(request.scheduledBefore);
  const after = request.scheduledAfter === undefined ? undefined : Date.parse(request.scheduledAfter);
  const keep = (record: JobRecord): boolean => {
    const job = record.context.job;
    if (status === 'active' ? jobStatusHasTag(record.status, 'terminal') : status !== 'all' && record.status !== status) return false;
    if (request.queueId !== undefined && job.queueId !== request.queueId) return false;
    if (request.channelId !== undefined && job.channelId !== request.channelId) return false;
    if (request.classificationPolicyId !== undefined && job.classificationPolicyId !== request.classificationPolicyId) return false;
    if (before !== undefined || after !== undefined) {
      const scheduled = job.scheduledAt === undefined ? undefined : Date.parse(job.scheduledAt);
      if (scheduled === undefined) return false;
      if (before !== undefined && scheduled > before) return false;
      if (after !== undefined && scheduled < after) return false;
    }
    return true;
  };
  return paginate(engine.actors.jobs, request, keep, renderJob);
}

export function cancelJob(engine: Engine, jobId: string, options: CancelJobOptions = {}): Promise<Record<string, never>> {
  const record = requireJob(engine, jobId);
  const event = { type: 'job.cancel', at: engine.now(), note: options.note, dispositionCode: options.dispositionCode } as const;
  requireTransition(engine, record, event, 'cancel');
  return engine.command(() => {
    cancelNow(engine, jobId, options);
    return {};
  });
}

/** Finds the job and checks the assignment is the one in force. */
function requireAssignment(engine: Engine, jobId: string, assignmentId: string): JobRecord {
  const record = requireJob(engine, jobId);
  const assignment = record.context.job.assignments[assignmentId];
  if (!assignment) throw new RouterError('AssignmentNotFound', `job ${jobId} has no assignment ${assignmentId}`, 'assignmentId');
  if (record.context.assignmentId !== assignmentId || assignment.closedAt !== undefined)
    throw new RouterError('AssignmentNotActive', `assignment ${assignmentId} of job ${jobId} is no longer in force`, 'assignmentId');
  return record;
}

export function completeJob(engine: Engine, jobId: string, assignmentId: string, options: CompleteJobOptions = {}): Promise<Record<string, never>> {
  const record = requireAssignment(engine, jobId, assignmentId);
  const event = { type: 'job.complete', assignmentId, at: engine.now(), note: options.note } as const;
  requireTransition(engine, record, event, 'complete');
  return engine.command(() => {
    engine.sendJob(jobId, { ...event, at: engine.now() });
    return {};
  });
}

export function closeJob(engine: Engine, jobId: string, assignmentId: string, options: CloseJobOptions = {}): Promise<Record<string, never>> {
  const record = requireAssignment(engine, jobId, assignmentId);
  const now = engine.now();
  const closeAt = options.closeAt === undefined ? undefined : Date.parse(options.closeAt);
  const deferred = closeAt !== undefined && closeAt > now;
  const event: JobEvent = deferred
    ? { type: 'job.deferClose', assignmentId, closeAt, at: now, dispositionCode: options.dispositionCode, note: options.note }
    : { type: 'job.close', assignmentId, at: now, dispositionCode: options.dispositionCode, note: options.note };
  requireTransition(engine, record, event, 'close');
  return engine.command(() => {
    // The machine announces `RouterJobCompleted` (closing an assigned job completes it on the way) and, unless the
    // close is deferred, `RouterJobClosed`; the capacity is released as the close takes effect.
    engine.sendJob(jobId, { ...event, at: engine.now() });
    if (deferred) engine.deadlines.arm(`close:${jobId}`, closeAt);
    else releaseAssignment(engine, record, engine.now());
    return {};
  });
}

/** A deferred close is due: the job closes and the worker's capacity is released. */
export function closeDue(engine: Engine, jobId: string, at: number): void {
  const record = engine.job(jobId);
  if (!record || record.context.assignmentId === undefined || !engine.actors.canSendJob(jobId, { type: 'job.closeDue', at })) return;
  engine.sendJob(jobId, { type: 'job.closeDue', at });
  releaseAssignment(engine, record, engine.now());
}

export function unassignJob(engine: Engine, jobId: string, assignmentId: string, options: UnassignJobOptions = {}): Promise<UnassignJobResult> {
  const record = requireAssignment(engine, jobId, assignmentId);
  const suspendMatching = options.suspendMatching ?? false;
  // The machine decides; the status only tells which of its two refusals this is (the assignment is known current).
  if (!engine.actors.canSendJob(jobId, { type: 'job.unassign', assignmentId, suspendMatching, at: engine.now() })) {
    if (record.status !== 'assigned')
      throw new RouterError('InvalidJobState', `cannot unassign job ${jobId} while it is ${record.status}`, 'status');
    throw new RouterError('UnassignLimitReached', `job ${jobId} was already unassigned ${record.context.unassignmentCount} times`);
  }
  return engine.command(() => {
    const at = engine.now();
    releaseAssignment(engine, record, at);
    // The machine announces `RouterJobUnassigned`, then `RouterJobQueued` or `RouterJobWaitingForActivation`.
    const after = engine.sendJob(jobId, { type: 'job.unassign', assignmentId, suspendMatching, at });
    if (after.status === 'queued') engine.dispatch.enqueue(jobId);
    return { jobId, unassignmentCount: after.context.unassignmentCount };
  });
}

export function getInQueuePosition(engine: Engine, jobId: string): RouterJobPositionDetails {
  const record = requireJob(engine, jobId);
  const queueId = record.context.job.queueId;
  const index = queueId === undefined ? undefined : engine.dispatch.order(queueId);
  const position = index?.position(jobId);
  if (queueId === undefined || !index || position === undefined)
    throw new RouterError('JobNotInQueue', `job ${jobId} is ${record.status}, not waiting in a queue`, 'status');
  const minutes = engine.catalogue.waitEstimators.get(queueId)?.minutesFor(position - 1, engine.now());
  return { jobId, position, queueId, queueLength: index.size, ...(minutes === undefined ? {} : { estimatedWaitTimeMinutes: minutes }) };
}

export function getQueueStatistics(engine: Engine, queueId: string): RouterQueueStatistics {
  const index = engine.dispatch.order(queueId);
  if (!index) throw new RouterError('NotFound', `queue ${queueId} does not exist`, 'queueId');
  const now = engine.now();
  const oldest = index.oldest();
  const estimator = engine.catalogue.waitEstimators.get(queueId);
  const estimated: Record<string, number> = {};
  if (estimator) {
    // A job of priority p waits behind every job of priority p or higher.
    const counts = [...index.countByPriority()].sort(([a], [b]) => b - a);
    let ahead = 0;
    for (const [priority, count] of counts) {
      ahead += count;
      const minutes = estimator.minutesFor(ahead - 1, now);
      if (minutes !== undefined) estimated[String(priority)] = Math.ceil(minutes);
    }
  }
  return {
    queueId,
    length: index.size,
    ...(Object.keys(estimated).length > 0 ? { estimatedWaitTimeMinutes: estimated } : {}),
    ...(oldest ? { longestJobWaitTimeMinutes: (now - oldest.enqueuedAt) / 60_000 } : {}),
  };
}
