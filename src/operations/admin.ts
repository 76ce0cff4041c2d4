import { jobStatusHasTag } from '../../machines/job.machine.ts';
import type { Engine, StoredResource } from '../engine/engine.ts';
import { dispatchesBefore, type IndexEntry } from '../matching/queue-index.ts';
import { RouterError } from '../errors.ts';
import type { ClassificationPolicy } from '../protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { ExceptionPolicy } from '../protocol/exception-policy.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import { patchWritable, writableOf, type WritableOf } from '../protocol/resources.ts';
import { redactClassificationPolicy, redactDistributionPolicy } from '../rules/redact.ts';
import { validateRule } from '../rules/validate-rules.ts';
import { watchQueue } from '../policy/exceptions.ts';
import { validateScoringRule } from '../policy/scoring.ts';
import { validateWeights } from '../policy/weighted.ts';
import type { OrderedIdMap } from '../engine/ordered-ids.ts';
import { everything, paginate, type Page, type PageRequest } from './paging.ts';
import { checkPreconditions, type Preconditions } from './preconditions.ts';

export type AdminKind = 'distributionPolicy' | 'queue' | 'classificationPolicy' | 'exceptionPolicy';

interface AdminResources {
  distributionPolicy: DistributionPolicy;
  queue: RouterQueue;
  classificationPolicy: ClassificationPolicy;
  exceptionPolicy: ExceptionPolicy;
}

/** What differs between the four administration resources; the operations themselves are shared. */
export interface AdminSpec<K extends AdminKind> {
  readonly kind: K;
  readonly label: string;
  readonly idField: string;
  readonly map: (engine: Engine) => OrderedIdMap<StoredResource<AdminResources[K]>>;
  /** Checks references and rules; may normalise the fields (implicit labels, generated ids). */
  readonly prepare: (engine: Engine, id: string, fields: WritableOf<K>) => WritableOf<K>;
  /** Reacts to a committed change (inside the command). */
  readonly afterUpsert?: (engine: Engine, id: string, created: boolean) => void;
  /** Throws when something still uses the resource. */
  readonly beforeDelete: (engine: Engine, id: string) => void;
  readonly afterDelete?: (engine: Engine, id: string) => void;
  /** Strips write-only secrets from what is read back; the stored resource keeps them for evaluation. */
  readonly redact?: (resource: AdminResources[K]) => AdminResources[K];
}

export interface UpsertResult<T> {
  readonly resource: T;
  readonly created: boolean;
}

function requireExists(exists: boolean, what: string, id: string, target: string): void {
  if (!exists) throw new RouterError('ReferenceNotFound', `${what} ${id} does not exist`, target);
}

function render<K extends AdminKind>(spec: AdminSpec<K>, stored: StoredResource<AdminResources[K]>): AdminResources[K] {
  const resource = { ...stored.resource, etag: stored.etag };
  return spec.redact ? spec.redact(resource) : resource;
}

function queuesUsing(engine: Engine, field: 'distributionPolicyId' | 'exceptionPolicyId', id: string): boolean {
  for (const { resource } of engine.catalogue.queues.values()) if (resource[field] === id) return true;
  return false;
}

/**
 * A queue's distribution policy was changed or replaced: its `maxConcurrentOffers` may differ. Jobs holding offers
 * are the ones it concerns: offers beyond the new maximum are revoked, newest first, and each such job is matched
 * again (in dispatch order, so a raised maximum serves higher priorities first), which re-parks or unparks it. Jobs
 * without offers are not parked and are picked up, in dispatch order, by the queue's workers matching again. The
 * cost is O(live offers), whatever the length of the queue.
 */
function applyPolicy(engine: Engine, queueId: string): void {
  engine.matching.queue(queueId);
  const index = engine.dispatch.order(queueId);
  const maxConcurrentOffers = engine.catalogue.policyOf(queueId)?.view.maxConcurrentOffers;
  if (!index || maxConcurrentOffers === undefined) return;
  const offered = new Map<string, IndexEntry>();
  for (const offer of engine.offers.values()) {
    const entry = index.get(offer.getSnapshot().context.jobId);
    if (entry) offered.set(entry.jobId, entry);
  }
  const at = engine.now();
  for (const { jobId } of [...offered.values()].sort((a, b) => (dispatchesBefore(a, b) ? -1 : 1))) {
    for (const offerId of [...engine.offers.of(jobId).keys()].slice(maxConcurrentOffers)) engine.offers.end(offerId, 'revoked', at);
    engine.matching.job(jobId);
  }
}

export const distributionPolicies: AdminSpec<'distributionPolicy'> = {
  kind: 'distributionPolicy',
  label: 'distribution policy',
  idField: 'distributionPolicyId',
  map: (engine) => engine.catalogue.distributionPolicies,
  redact: redactDistributionPolicy,
  prepare: (_engine, _id, fields) => {
    if (fields.mode?.kind === 'bestWorker') validateRule(fields.mode.scoringRule, 'mode.scoringRule');
    validateScoringRule(fields.mode, 'mode');
    return fields;
  },
  afterUpsert: (engine, id) => {
    for (const [queueId, { resource }] of engine.catalogue.queues) if (resource.distributionPolicyId === id) applyPolicy(engine, queueId);
  },
  beforeDelete: (engine, id) => {
    if (queuesUsing(engine, 'distributionPolicyId', id))
      throw new RouterError('QueueExistsWithDistributionPolicy', `a queue uses distribution policy ${id}`);
  },
};

export const queues: AdminSpec<'queue'> = {
  kind: 'queue',
  label: 'queue',
  idField: 'queueId',
  map: (engine) => engine.catalogue.queues,
  prepare: (engine, id, fields) => {
    if (fields.distributionPolicyId !== undefined)
      requireExists(engine.catalogue.distributionPolicies.has(fields.distributionPolicyId), 'distribution policy', fields.distributionPolicyId, 'distributionPolicyId');
    if (fields.exceptionPolicyId !== undefined)
      requireExists(engine.catalogue.exceptionPolicies.has(fields.exceptionPolicyId), 'exception policy', fields.exceptionPolicyId, 'exceptionPolicyId');
    return { ...fields, labels: { ...fields.labels, Id: id } };
  },
  afterUpsert: (engine, id, created) => {
    if (created) engine.actors.startQueue(id, true);
    applyPolicy(engine, id);
    watchQueue(engine, id);
  },
  beforeDelete: (engine, id) => {
    const reasons: string[] = [];
    for (const record of engine.actors.jobs.values())
      if (record.context.job.queueId === id && !jobStatusHasTag(record.status, 'terminal')) {
        reasons.push('There is active job with this queue');
        break;
      }
    for (const { resource } of engine.catalogue.classificationPolicies.values())
      if (resource.fallbackQueueId === id) {
        reasons.push('There is classification policy with this queue as fallback queue');
        break;
      }
    for (const actor of engine.actors.workers.values())
      if (actor.getSnapshot().context.queues.has(id)) {
        reasons.push('There is an assigned worker to this queue');
        break;
      }
    if (reasons.length > 0) throw new RouterError('QueueInUse', `Validation failed: ${reasons.map((r) => `-- : ${r}`).join(' ')}`);
  },
  afterDelete: (engine, id) => {
    engine.actors.stopQueue(id);
  },
};

export const classificationPolicies: AdminSpec<'classificationPolicy'> = {
  kind: 'classificationPolicy',
  label: 'classification policy',
  idField: 'classificationPolicyId',
  map: (engine) => engine.catalogue.classificationPolicies,
  redact: redactClassificationPolicy,
  prepare: (engine, _id, fields) => {
    if (fields.fallbackQueueId !== undefined)
      requireExists(engine.catalogue.queues.has(fields.fallbackQueueId), 'queue', fields.fallbackQueueId, 'fallbackQueueId');
    validateRule(fields.prioritizationRule, 'prioritizationRule');
    fields.queueSelectorAttachments.forEach((attachment, i) => {
      if (attachment.kind === 'conditional') validateRule(attachment.condition, `queueSelectorAttachments.${i}.condition`);
      if (attachment.kind === 'ruleEngine') validateRule(attachment.rule, `queueSelectorAttachments.${i}.rule`);
      if (attachment.kind === 'weightedAllocation') validateWeights(attachment.allocations, `queueSelectorAttachments.${i}.allocations`);
    });
    fields.workerSelectorAttachments.forEach((attachment, i) => {
      if (attachment.kind === 'conditional') validateRule(attachment.condition, `workerSelectorAttachments.${i}.condition`);
      if (attachment.kind === 'ruleEngine') validateRule(attachment.rule, `workerSelectorAttachments.${i}.rule`);
      if (attachment.kind === 'weightedAllocation') validateWeights(attachment.allocations, `workerSelectorAttachments.${i}.allocations`);
    });
    return fields;
  },
  beforeDelete: (engine, id) => {
    for (const record of engine.actors.jobs.values())
      if (record.context.job.classificationPolicyId === id && !jobStatusHasTag(record.status, 'terminal'))
        throw new RouterError('ActiveJobWithClassificationPolicyExist', `an active job uses classification policy ${id}`);
  },
};

export const exceptionPolicies: AdminSpec<'exceptionPolicy'> = {
  kind: 'exceptionPolicy',
  label: 'exception policy',
  idField: 'exceptionPolicyId',
  map: (engine) => engine.catalogue.exceptionPolicies,
  prepare: (engine, _id, fields) => {
    const exceptionRules = fields.exceptionRules.map((rule, r) => ({
      ...rule,
      actions: rule.actions.map((action, a) => {
        const target = `exceptionRules.${r}.actions.${a}`;
        if (action.kind === 'manualReclassify' && action.queueId !== undefined)
          requireExists(engine.catalogue.queues.has(action.queueId), 'queue', action.queueId, `${target}.queueId`);
        if (action.kind === 'reclassify' && action.classificationPolicyId !== undefined)
          requireExists(engine.catalogue.classificationPolicies.has(action.classificationPolicyId), 'classification policy', action.classificationPolicyId, `${target}.classificationPolicyId`);
        // Azure generates an id for an action that has none.
        return action.id === undefined ? { ...action, id: engine.newId() } : action;
      }),
    }));
    return { ...fields, exceptionRules };
  },
  afterUpsert: (engine, id) => {
    for (const [queueId, { resource }] of engine.catalogue.queues) if (resource.exceptionPolicyId === id) watchQueue(engine, queueId);
  },
  beforeDelete: (engine, id) => {
    if (queuesUsing(engine, 'exceptionPolicyId', id))
      throw new RouterError('QueueExistsWithExceptionPolicy', `a queue uses exception policy ${id}`);
  },
};

/**
 * Create-or-update by merge patch, with the caller's preconditions. Async so that a refusal rejects the returned
 * promise, as every other operation's does, instead of throwing at the call.
 */
export async function upsertAdmin<K extends AdminKind>(
  engine: Engine,
  spec: AdminSpec<K>,
  id: string,
  body: unknown,
  conditions?: Preconditions,
): Promise<UpsertResult<AdminResources[K]>> {
  const map = spec.map(engine);
  const current = map.get(id);
  checkPreconditions(current, conditions);
  const patched = patchWritable(spec.kind, current ? writableOf(spec.kind, current.resource) : undefined, body);
  const fields = spec.prepare(engine, id, patched);
  return engine.command(() => {
    const stored = { resource: { id, ...fields } as unknown as AdminResources[K], ...engine.catalogue.nextVersion() };
    map.set(id, stored);
    engine.touch(spec.kind, id);
    spec.afterUpsert?.(engine, id, !current);
    return { resource: render(spec, stored), created: !current };
  });
}

export function getAdmin<K extends AdminKind>(engine: Engine, spec: AdminSpec<K>, id: string): AdminResources[K] {
  const stored = spec.map(engine).get(id);
  if (!stored) throw new RouterError('NotFound', `${spec.label} ${id} does not exist`, spec.idField);
  return render(spec, stored);
}

/** Deletes unless something still uses the resource; async for the same reason as {@link upsertAdmin}. */
export async function deleteAdmin<K extends AdminKind>(engine: Engine, spec: AdminSpec<K>, id: string): Promise<void> {
  const map = spec.map(engine);
  if (!map.has(id)) throw new RouterError('NotFound', `${spec.label} ${id} does not exist`, spec.idField);
  spec.beforeDelete(engine, id);
  return engine.command(() => {
    map.delete(id);
    engine.forget(spec.kind, id);
    spec.afterDelete?.(engine, id);
  });
}

export function listAdmin<K extends AdminKind>(engine: Engine, spec: AdminSpec<K>, request: PageRequest): Page<AdminResources[K]> {
  return paginate(spec.map(engine), request, everything, (stored) => render(spec, stored));
}
