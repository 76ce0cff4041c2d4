/**
 * Exception policies (spec §3.7), attached to queues. A `queueLength` rule is checked when a job arrives in the queue;
 * a `waitTime` rule is a deadline `exception:<jobId>|<ruleId>` on the deadline heap, armed when the job arrives and
 * cancelled when it leaves. A rule fires at most once per job per stay in a queue ({@link QueueVisit}); when it
 * fires, `RouterJobExceptionTriggered` is emitted and its actions run in order.
 */
import type { Engine } from '../engine/engine.ts';
import type { ExceptionAction, ExceptionPolicy, ExceptionRule } from '../protocol/exception-policy.schemas.ts';
import { jobStatusHasTag } from '../../machines/job.machine.ts';
import { cancelNow } from './cancellation.ts';
import { classifyJob, mayClassify } from './classification.ts';
import { policyState, updatePolicyState, type QueueVisit } from './job-policy-state.ts';
import { enqueue, withdraw } from './routing.ts';
import { armSelectorExpiry, stampSelector } from './selector-expiry.ts';
import { unstamped } from './worker-selectors.ts';

function exceptionPolicyOf(engine: Engine, queueId: string): ExceptionPolicy | undefined {
  const policyId = engine.catalogue.queues.get(queueId)?.resource.exceptionPolicyId;
  return policyId === undefined ? undefined : engine.catalogue.exceptionPolicies.get(policyId)?.resource;
}

function deadlineKey(jobId: string, ruleId: string): string {
  return `exception:${jobId}|${ruleId}`;
}

/** The job's stay in `queueId` while it is queued there, or `undefined`. */
function currentVisit(engine: Engine, jobId: string, queueId: string): QueueVisit | undefined {
  const record = engine.job(jobId);
  const visit = policyState(engine, jobId).visit;
  return record?.status === 'queued' && record.context.job.queueId === queueId && visit?.queueId === queueId ? visit : undefined;
}

/** Continues the job's stay when it re-enters the same queue, or begins a new one at `since`. */
function visitFor(engine: Engine, jobId: string, queueId: string, since: number): QueueVisit {
  const visit = policyState(engine, jobId).visit;
  if (visit?.queueId === queueId) return visit;
  const fresh = { queueId, since, fired: [] };
  updatePolicyState(engine, jobId, { visit: fresh });
  return fresh;
}

function armWaitTimes(engine: Engine, jobId: string, policy: ExceptionPolicy, visit: QueueVisit): void {
  for (const rule of policy.exceptionRules)
    if (rule.trigger.kind === 'waitTime' && !visit.fired.includes(rule.id))
      engine.deadlines.arm(deadlineKey(jobId, rule.id), visit.since + rule.trigger.thresholdSeconds * 1000);
}

/** A job entered a queue: arm its wait-time rules, then check the queue-length rules against the jobs ahead of it. */
function jobEnqueued(engine: Engine, jobId: string, queueId: string): void {
  const policy = exceptionPolicyOf(engine, queueId);
  if (!policy) return;
  const visit = visitFor(engine, jobId, queueId, engine.now());
  armWaitTimes(engine, jobId, policy, visit);
  const index = engine.dispatch.order(queueId);
  // At most size − 1 jobs can be ahead; the exact count costs a pass over the queue, so it is taken only if needed.
  const mostAhead = (index?.size ?? 1) - 1;
  let ahead: number | undefined;
  for (const rule of policy.exceptionRules) {
    if (rule.trigger.kind !== 'queueLength' || mostAhead < rule.trigger.threshold) continue;
    const current = currentVisit(engine, jobId, queueId);
    if (!current || current.fired.includes(rule.id)) continue;
    ahead ??= (index?.position(jobId) ?? 1) - 1;
    if (ahead >= rule.trigger.threshold) fire(engine, jobId, current, rule);
  }
}

/** A job left a queue: its wait-time deadlines go; once it is assigned, its stay is over. */
function jobDequeued(engine: Engine, jobId: string, queueId: string): void {
  const state = policyState(engine, jobId);
  if (state.visit?.queueId !== queueId) return;
  for (const rule of exceptionPolicyOf(engine, queueId)?.exceptionRules ?? [])
    if (rule.trigger.kind === 'waitTime') engine.deadlines.cancel(deadlineKey(jobId, rule.id));
  if (engine.job(jobId)?.status === 'assigned') updatePolicyState(engine, jobId, { visit: undefined });
}

/**
 * Subscribes exception handling to jobs entering and leaving queues. Called once when the router opens, with
 * {@link waitTimeDue} registered for the `exception` deadlines.
 */
export function watchQueues(engine: Engine): void {
  engine.dispatch.onChange({
    enqueued: (jobId, queueId) => jobEnqueued(engine, jobId, queueId),
    dequeued: (jobId, queueId) => jobDequeued(engine, jobId, queueId),
  });
}

/**
 * Arms the wait-time rules of every job waiting in `queueId`: after its exception policy changed, and when the router
 * restarts. A job without a stay in this queue begins one at its `enqueuedAt`. Queue-length rules are checked on
 * arrival only, so they do not apply to jobs already waiting.
 */
export function watchQueue(engine: Engine, queueId: string): void {
  const policy = exceptionPolicyOf(engine, queueId);
  const index = engine.dispatch.order(queueId);
  if (!policy || !index) return;
  for (const entry of index.entries()) armWaitTimes(engine, entry.jobId, policy, visitFor(engine, entry.jobId, queueId, entry.enqueuedAt));
}

/** `exception:<jobId>|<ruleId>` is due: the rule fires if the job is still in the same stay and it has not yet. */
export function waitTimeDue(engine: Engine, rest: string, at: number): void {
  const bar = rest.indexOf('|');
  const jobId = rest.slice(0, bar);
  const ruleId = rest.slice(bar + 1);
  const queueId = engine.job(jobId)?.context.job.queueId;
  const visit = queueId === undefined ? undefined : currentVisit(engine, jobId, queueId);
  if (queueId === undefined || !visit || visit.fired.includes(ruleId)) return;
  const rule = exceptionPolicyOf(engine, queueId)?.exceptionRules.find((candidate) => candidate.id === ruleId);
  if (rule?.trigger.kind !== 'waitTime') return;
  // The policy may have raised the threshold since this deadline was armed.
  const due = visit.since + rule.trigger.thresholdSeconds * 1000;
  if (at < due) engine.deadlines.arm(deadlineKey(jobId, ruleId), due);
  else fire(engine, jobId, visit, rule);
}

function fire(engine: Engine, jobId: string, visit: QueueVisit, rule: ExceptionRule): void {
  updatePolicyState(engine, jobId, { visit: { ...visit, fired: [...visit.fired, rule.id] } });
  const job = engine.job(jobId)!.context.job;
  engine.emit(engine.events.job('RouterJobExceptionTriggered', job, { ruleKey: rule.id, exceptionRuleId: rule.id }));
  for (const action of rule.actions) {
    const status = engine.job(jobId)?.status;
    // A `cancel` ends the job; actions after it have nothing left to act on.
    if (status === undefined || jobStatusHasTag(status, 'terminal')) return;
    perform(engine, jobId, action);
  }
}

function perform(engine: Engine, jobId: string, action: ExceptionAction): void {
  const at = engine.now();
  const record = engine.job(jobId)!;
  const job = record.context.job;
  switch (action.kind) {
    case 'cancel':
      cancelNow(engine, jobId, { note: action.note, dispositionCode: action.dispositionCode });
      return;
    case 'manualReclassify': {
      if (!engine.actors.canSendJob(jobId, { type: 'job.enqueue', at })) return;
      withdraw(engine, record, at);
      const added = (action.workerSelectors ?? []).map((selector) => stampSelector(unstamped(selector), at));
      // A queue deleted since the policy was saved cannot take the job: it stays in the queue it is in.
      const queueId = action.queueId !== undefined && engine.catalogue.queues.has(action.queueId) ? action.queueId : undefined;
      const changes = {
        ...(queueId === undefined ? {} : { queueId }),
        ...(action.priority === undefined ? {} : { priority: action.priority }),
        requestedWorkerSelectors: [...job.requestedWorkerSelectors, ...added],
      };
      engine.sendJob(jobId, { type: 'job.amend', changes, at });
      // A queue chosen by hand is kept by later classifications, as a queue set by the caller is.
      if (queueId !== undefined) updatePolicyState(engine, jobId, { queueFromClassification: false });
      armSelectorExpiry(engine, jobId);
      enqueue(engine, jobId);
      return;
    }
    case 'reclassify': {
      const changes = {
        labels: { ...job.labels, ...action.labelsToUpsert },
        classificationPolicyId: action.classificationPolicyId ?? job.classificationPolicyId,
      };
      const updated = engine.sendJob(jobId, { type: 'job.amend', changes, at });
      if (mayClassify(engine, updated)) classifyJob(engine, jobId);
      return;
    }
  }
}
