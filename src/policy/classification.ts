/**
 * Classification (spec §3.6): a job with a `classificationPolicyId` gets its priority, attached worker selectors and
 * queue from the policy's rules, then goes on as its matching mode says.
 *
 * Rules may answer later (HTTP rules). Evaluation therefore happens outside the command that asks for it and its
 * result is applied in a later command, guarded by a run counter (a generation, `generations.ts`, as asynchronous
 * scoring's) so that a result for a job that was cancelled or classified again meanwhile is dropped. When every rule answers at once, classification finishes inside the same
 * command.
 */
import type { JobData } from '../../machines/job.machine.ts';
import type { Engine, JobRecord } from '../engine/engine.ts';
import { RouterError } from '../errors.ts';
import type { ClassificationPolicy } from '../protocol/classification-policy.schemas.ts';
import type { RouterQueueSelector, RouterWorkerSelector } from '../protocol/common.schemas.ts';
import { policyState, updatePolicyState } from './job-policy-state.ts';
import { Generations } from './generations.ts';
import { andThen, isPromise, type MaybePromise } from './maybe-async.ts';
import { attachQueueSelectors, chooseQueue } from './queue-selection.ts';
import { route, withdraw } from './routing.ts';
import { describe, evaluateRule, failed, ok, type Decided, type PolicyError, type RuleContext } from './rule-results.ts';
import { armSelectorExpiry, stampSelector } from './selector-expiry.ts';
import { attachWorkerSelectors } from './worker-selectors.ts';

/** The priority range of a job (spec §1.5): a prioritization rule's result is clamped to it. */
const MIN_PRIORITY = -100;
const MAX_PRIORITY = 100;

/** What a classification policy's rules decided for a job; the queue is chosen from it when it is applied. */
interface Decision {
  readonly priority: number | undefined;
  readonly queueSelectors: readonly RouterQueueSelector[];
  readonly workerSelectors: readonly RouterWorkerSelector[];
}

function acceptPriority(value: unknown): Decided<number> {
  if (typeof value !== 'number' || !Number.isInteger(value))
    return failed('InvalidRuleResult', `the prioritization rule must give a whole number, not ${describe(value)}`, 'prioritizationRule');
  return ok(Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, value)));
}

/**
 * Evaluates a classification policy's rules against a job's labels: the prioritization rule, then the worker
 * selector attachments, then the queue selector attachments (the order weighted draws are taken in). Every rule is
 * started before any answer is awaited, so HTTP rules run side by side.
 */
function decide(policy: ClassificationPolicy, context: RuleContext): MaybePromise<Decided<Decision>> {
  const priority =
    policy.prioritizationRule === undefined
      ? ok(undefined)
      : evaluateRule(context.evaluator, policy.prioritizationRule, { job: context.labels }, 'prioritizationRule', acceptPriority);
  const workers = attachWorkerSelectors(policy.workerSelectorAttachments, context);
  const queues = attachQueueSelectors(policy.queueSelectorAttachments, context);
  return andThen(priority, (p) =>
    andThen(workers, (w) =>
      andThen(queues, (q): Decided<Decision> => {
        if (p.ok && w.ok && q.ok) return ok({ priority: p.value, workerSelectors: w.value, queueSelectors: q.value });
        return { ok: false, errors: [p, w, q].flatMap((part) => (part.ok ? [] : part.errors)) };
      }),
    ),
  );
}

/**
 * Classifies a job by its classification policy: the job enters `pendingClassification` (its offers revoked, out of
 * its queue), the policy's rules are evaluated, and the result is applied — at once when every rule answered at
 * once, otherwise in a later command. Returns the job's record as classification began, which is what the command
 * that asked for it answers with.
 */
export function classifyJob(engine: Engine, jobId: string): JobRecord {
  const at = engine.now();
  const before = engine.job(jobId)!;
  if (before.status !== 'pendingClassification') {
    withdraw(engine, before, at);
    engine.sendJob(jobId, { type: 'job.classify', at });
  }
  const runs = classificationRuns(engine);
  const run = runs.begin(jobId);
  const pending = engine.job(jobId)!;
  const job = pending.context.job;
  const policy = job.classificationPolicyId === undefined ? undefined : engine.catalogue.classificationPolicies.get(job.classificationPolicyId)?.resource;
  if (!policy) {
    fail(engine, jobId, [{ code: 'ClassificationPolicyNotFound', message: 'the job has no classification policy', target: 'classificationPolicyId' }]);
    return pending;
  }
  const decided = decide(policy, { evaluator: engine.ruleEvaluator, random: engine.random, labels: job.labels });
  if (isPromise(decided))
    runs.applyLater(jobId, run, decided, (apply) => engine.command(apply), (result) => finish(engine, jobId, policy, result));
  else finish(engine, jobId, policy, decided);
  return pending;
}

/** Classification runs are counted on the job's record, so that a restart goes on counting where it was. */
function classificationRuns(engine: Engine): Generations {
  return new Generations({
    get: (jobId) => policyState(engine, jobId).classificationRun,
    set: (jobId, classificationRun) => updatePolicyState(engine, jobId, { classificationRun }),
  });
}

/** The queue a classified job goes to: the one the caller set, else the one the selectors pick, else the fallback. */
function queueFor(engine: Engine, job: JobData, policy: ClassificationPolicy, selectors: readonly RouterQueueSelector[]): { queueId: string | undefined; pinned: boolean } {
  if (job.queueId !== undefined && policyState(engine, job.id).queueFromClassification !== true)
    return { queueId: job.queueId, pinned: true };
  return { queueId: chooseQueue(engine.catalogue.queues, selectors) ?? policy.fallbackQueueId, pinned: false };
}

/**
 * Applies a classification result of the job's current run, unless the job moved on (was cancelled) while it was
 * computed; a result of an earlier run never gets here.
 */
function finish(engine: Engine, jobId: string, policy: ClassificationPolicy, result: Decided<Decision>): void {
  const record = engine.job(jobId);
  if (record?.status !== 'pendingClassification') return;
  if (!result.ok) return fail(engine, jobId, result.errors);
  const at = engine.now();
  const { queueId, pinned } = queueFor(engine, record.context.job, policy, result.value.queueSelectors);
  const queue = queueId === undefined ? undefined : engine.catalogue.queues.get(queueId)?.resource;
  if (queueId === undefined || !queue)
    return fail(engine, jobId, [
      { code: 'QueueNotFound', message: 'no queue matches the queue selectors and the policy has no fallback queue', target: 'queueSelectorAttachments' },
    ]);
  const { priority } = result.value;
  const attachedWorkerSelectors = result.value.workerSelectors.map((selector) => stampSelector(selector, at));
  engine.sendJob(jobId, {
    type: 'job.classified',
    changes: { queueId, attachedWorkerSelectors, ...(priority === undefined ? {} : { priority }) },
    queueDetails: { id: queueId, name: queue.name, labels: queue.labels },
    classificationPolicyId: policy.id,
    at,
  });
  updatePolicyState(engine, jobId, { queueFromClassification: !pinned });
  armSelectorExpiry(engine, jobId);
  route(engine, jobId);
}

function fail(engine: Engine, jobId: string, errors: readonly PolicyError[]): void {
  engine.sendJob(jobId, { type: 'job.classificationFail', errors: errors.map(({ code, message, target }) => ({ code, message, target })), at: engine.now() });
}

/** Whether a job in this record's status may be (re-)classified now. */
export function mayClassify(engine: Engine, record: JobRecord): boolean {
  return record.status === 'pendingClassification' || engine.actors.canSendJob(record.context.job.id, { type: 'job.classify', at: engine.now() });
}

function sameLabels(a: JobData['labels'], b: JobData['labels']): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * After an upsert changed a job: a queue the caller set is kept by later classifications, and a job with a
 * classification policy whose labels or policy changed is classified again (spec §3.1) — a directly queued job
 * stays where it is. Returns the record as re-classification began, or `undefined` when there was none.
 */
export function reclassifyOnUpdate(engine: Engine, jobId: string, previous: JobData): JobRecord | undefined {
  const record = engine.job(jobId)!;
  const job = record.context.job;
  if (job.queueId !== previous.queueId) updatePolicyState(engine, jobId, { queueFromClassification: false });
  if (job.classificationPolicyId === undefined) return undefined;
  const changed = job.classificationPolicyId !== previous.classificationPolicyId || !sameLabels(job.labels, previous.labels);
  if (!changed || !mayClassify(engine, record)) return undefined;
  // The job is still indexed under the queue it had before this update.
  withdraw(engine, { ...record, context: { ...record.context, job: previous } }, engine.now());
  return classifyJob(engine, jobId);
}

/**
 * `reclassifyJob`: classifies the job again with its current labels and its current policy (spec §3.1). Refused
 * when the job has no classification policy or is past matching (assigned, completed, closed, cancelled) or
 * scheduled.
 */
export async function reclassifyJob(engine: Engine, jobId: string): Promise<Record<string, never>> {
  const record = engine.job(jobId);
  if (!record) throw new RouterError('NotFound', `job ${jobId} does not exist`, 'jobId');
  if (record.context.job.classificationPolicyId === undefined)
    throw new RouterError('InvalidJobState', `job ${jobId} has no classification policy to classify it with`, 'classificationPolicyId');
  if (!mayClassify(engine, record))
    throw new RouterError('InvalidJobState', `cannot reclassify job ${jobId} while it is ${record.status}`, 'status');
  return engine.command(() => {
    classifyJob(engine, jobId);
    return {};
  });
}
