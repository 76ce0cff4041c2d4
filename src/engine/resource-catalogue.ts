import { randomUUID } from 'node:crypto';
import type { DistributionView } from '../matching/types.ts';
import type { ClassificationPolicy } from '../protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { ExceptionPolicy } from '../protocol/exception-policy.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import { createAsyncScorer, createScorer, type AsyncWorkerScorer } from '../policy/scoring.ts';
import type { RuleEvaluator } from '../rules/rule-evaluator.ts';
import type { DocumentKind, StoredDocument } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { encodeResource } from './document-codec.ts';
import { OrderedIdMap } from './ordered-ids.ts';
import type { StoredResource, Versioned } from './records.ts';
import { WaitEstimator } from './wait-estimator.ts';

/** Which policy a queue's jobs are offered under, prepared for matching. */
export interface PreparedPolicy {
  readonly policy: DistributionPolicy;
  readonly view: DistributionView;
  /** bestWorker with a `function` or `webhook` scoring rule: jobs are scored outside the command (docs/policies.md). */
  readonly asyncScorer?: AsyncWorkerScorer | undefined;
}

/**
 * The resources the router is configured with — policies and queues — with their versions, the versions of workers,
 * and what is derived from them: distribution policies prepared for matching and per-queue wait estimates. It hands
 * out the etags of every resource and writes their stored form.
 */
export class ResourceCatalogue {
  readonly distributionPolicies = new OrderedIdMap<StoredResource<DistributionPolicy>>();
  readonly classificationPolicies = new OrderedIdMap<StoredResource<ClassificationPolicy>>();
  readonly exceptionPolicies = new OrderedIdMap<StoredResource<ExceptionPolicy>>();
  readonly queues = new OrderedIdMap<StoredResource<RouterQueue>>();
  /** A worker's actor holds its state; its etag lives here like every other resource's. */
  readonly workerVersions = new Map<string, Versioned>();
  readonly waitEstimators = new Map<string, WaitEstimator>();

  readonly #preparedPolicies = new Map<string, PreparedPolicy>();
  readonly #clock: Clock;
  readonly #ruleEvaluator: RuleEvaluator;
  /** Etags differ across restarts without a stored counter: each process numbers its versions under its own prefix. */
  readonly #boot = randomUUID().slice(0, 8);
  #version = 0;

  constructor(clock: Clock, ruleEvaluator: RuleEvaluator) {
    this.#clock = clock;
    this.#ruleEvaluator = ruleEvaluator;
  }

  /** A fresh etag and timestamp for a resource that just changed. */
  nextVersion(): Versioned {
    return { etag: `"${this.#boot}-${(++this.#version).toString(16)}"`, lastModified: this.#clock.now() };
  }

  /** A queue's wire resource (for worker registration events). */
  queueResource(queueId: string): RouterQueue | undefined {
    return this.queues.get(queueId)?.resource;
  }

  /** The prepared policy of a queue, or undefined when the queue has none (its jobs wait). */
  policyOf(queueId: string): PreparedPolicy | undefined {
    const policyId = this.queues.get(queueId)?.resource.distributionPolicyId;
    if (policyId === undefined) return undefined;
    let prepared = this.#preparedPolicies.get(policyId);
    const stored = this.distributionPolicies.get(policyId);
    if (!stored) return undefined;
    if (!prepared || prepared.policy !== stored.resource) {
      const scorer = createScorer(stored.resource, this.#ruleEvaluator);
      const asyncScorer = createAsyncScorer(stored.resource, this.#ruleEvaluator);
      prepared = { policy: stored.resource, view: { ...distributionView(stored.resource), scorer }, asyncScorer };
      this.#preparedPolicies.set(policyId, prepared);
    }
    return prepared;
  }

  get preparedPolicyCount(): number {
    return this.#preparedPolicies.size;
  }

  /** Remembers when a queue dispatched a job, for wait-time estimates. */
  recordDispatch(queueId: string): void {
    let estimator = this.waitEstimators.get(queueId);
    if (!estimator) this.waitEstimators.set(queueId, (estimator = new WaitEstimator()));
    estimator.record(this.#clock.now());
  }

  /** Drops what was derived from a deleted resource. */
  forget(kind: DocumentKind, id: string): void {
    if (kind === 'queue') this.waitEstimators.delete(id);
    if (kind === 'distributionPolicy') this.#preparedPolicies.delete(id);
  }

  /** The stored form of a queue or policy as it is now; `undefined` once it is gone or for other kinds. */
  document(kind: DocumentKind, id: string): StoredDocument | undefined {
    const stored = this.#resources(kind)?.get(id);
    return stored && encodeResource(stored);
  }

  #resources(kind: DocumentKind): ReadonlyMap<string, StoredResource<unknown>> | undefined {
    switch (kind) {
      case 'queue':
        return this.queues;
      case 'distributionPolicy':
        return this.distributionPolicies;
      case 'classificationPolicy':
        return this.classificationPolicies;
      case 'exceptionPolicy':
        return this.exceptionPolicies;
      default:
        return undefined;
    }
  }
}

/** A distribution policy as matching reads it, with Azure's defaults for an absent mode. */
export function distributionView(policy: DistributionPolicy): DistributionView {
  const mode = policy.mode ?? { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 1, bypassSelectors: false };
  return {
    kind: mode.kind,
    minConcurrentOffers: mode.minConcurrentOffers,
    maxConcurrentOffers: mode.maxConcurrentOffers,
    bypassSelectors: mode.bypassSelectors,
    descendingOrder: mode.kind === 'bestWorker' ? (mode.scoringRuleOptions?.descendingOrder ?? true) : true,
  };
}
