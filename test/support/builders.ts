/**
 * Short ways to set up the resources scenarios need, with the defaults most of them share: one queue `q` under a
 * distribution policy `dp`, workers on the `voice` channel.
 */
import { expect } from 'vitest';
import type { AcceptJobOfferResult } from '../../src/protocol/actions.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterJobOffer, RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { Router } from '../../src/router.ts';

export type ModeKind = 'bestWorker' | 'longestIdle' | 'roundRobin';

export interface QueueSpec {
  readonly queueId?: string;
  readonly policyId?: string;
  readonly mode?: ModeKind;
  readonly offerExpiresAfterSeconds?: number;
  readonly minConcurrentOffers?: number;
  readonly maxConcurrentOffers?: number;
}

/** Creates a distribution policy and a queue that uses it. */
export async function setupQueue(router: Router, spec: QueueSpec = {}): Promise<void> {
  const policyId = spec.policyId ?? 'dp';
  await router.upsertDistributionPolicy(policyId, {
    ...(spec.offerExpiresAfterSeconds === undefined ? {} : { offerExpiresAfterSeconds: spec.offerExpiresAfterSeconds }),
    mode: {
      kind: spec.mode ?? 'longestIdle',
      minConcurrentOffers: spec.minConcurrentOffers ?? 1,
      maxConcurrentOffers: spec.maxConcurrentOffers ?? 1,
    },
  });
  await router.upsertQueue(spec.queueId ?? 'q', { distributionPolicyId: policyId });
}

export interface ChannelSpec {
  readonly cost: number;
  readonly max?: number;
}

export interface WorkerSpec {
  readonly queues?: readonly string[];
  readonly capacity?: number;
  /** Channel id → its cost, or cost and `maxNumberOfJobs`. Default one `voice` channel costing the whole capacity. */
  readonly channels?: Readonly<Record<string, number | ChannelSpec>>;
  readonly labels?: Readonly<Record<string, string | number | boolean>>;
  readonly available?: boolean;
  readonly maxConcurrentOffers?: number;
}

/** The upsert body of a worker. */
export function workerBody(spec: WorkerSpec = {}): Record<string, unknown> {
  const capacity = spec.capacity ?? 10;
  const channels = Object.entries(spec.channels ?? { voice: capacity }).map(([channelId, channel]) => {
    const { cost, max } = typeof channel === 'number' ? { cost: channel, max: undefined } : channel;
    return { channelId, capacityCostPerJob: cost, ...(max === undefined ? {} : { maxNumberOfJobs: max }) };
  });
  return {
    queues: spec.queues ?? ['q'],
    capacity,
    channels,
    labels: spec.labels ?? {},
    availableForOffers: spec.available ?? true,
    ...(spec.maxConcurrentOffers === undefined ? {} : { maxConcurrentOffers: spec.maxConcurrentOffers }),
  };
}

export async function registerWorker(router: Router, workerId: string, spec: WorkerSpec = {}): Promise<RouterWorker> {
  return (await router.upsertWorker(workerId, workerBody(spec))).resource;
}

export interface JobSpec {
  readonly queueId?: string;
  readonly channelId?: string;
  readonly priority?: number;
  readonly labels?: Readonly<Record<string, string | number | boolean>>;
  readonly requestedWorkerSelectors?: ReadonlyArray<Record<string, unknown>>;
  readonly matchingMode?: Record<string, unknown>;
}

export async function createJob(router: Router, jobId: string, spec: JobSpec = {}): Promise<RouterJob> {
  const { queueId = 'q', channelId = 'voice', ...rest } = spec;
  return (await router.upsertJob(jobId, { queueId, channelId, ...rest })).resource;
}

/** The live offers a worker holds, as the API shows them. */
export async function offersOf(router: Router, workerId: string): Promise<RouterJobOffer[]> {
  return (await router.getWorker(workerId)).offers;
}

/** The one offer a worker holds (failing when it holds none or several). */
export async function onlyOffer(router: Router, workerId: string): Promise<RouterJobOffer> {
  const offers = await offersOf(router, workerId);
  expect(offers, `offers of ${workerId}`).toHaveLength(1);
  return offers[0]!;
}

/** Accepts the one offer a worker holds. */
export async function acceptOnlyOffer(router: Router, workerId: string): Promise<AcceptJobOfferResult> {
  return router.acceptJobOffer(workerId, (await onlyOffer(router, workerId)).offerId);
}

/** Ids of the jobs a worker is offered, in no particular order. */
export async function offeredJobs(router: Router, workerId: string): Promise<string[]> {
  return (await offersOf(router, workerId)).map((offer) => offer.jobId).sort();
}
