/**
 * The plain records that matching works on. They are views the engine builds from actor snapshots; matching
 * functions never see actors, the store or the clock, so they stay pure and cheap to test.
 */

import type { LabelOperator, Labels as LabelMap, RouterValue } from '../protocol/common.schemas.ts';

export type { LabelOperator, RouterValue };

/** Labels of a job, worker or queue. A worker's and a queue's labels include the implicit `Id`. */
export type Labels = Readonly<LabelMap>;

/** A selector as matching sees it: only selectors still in force are passed in. */
export interface SelectorView {
  readonly key: string;
  readonly labelOperator: LabelOperator;
  readonly value?: RouterValue | undefined;
  readonly expedite?: boolean | undefined;
}

export interface ChannelView {
  readonly capacityCostPerJob: number;
  readonly maxNumberOfJobs?: number | undefined;
}

/** What matching needs to know about a worker right now. */
export interface WorkerView {
  readonly id: string;
  readonly labels: Labels;
  /** Registered (`active`) and `availableForOffers`. */
  readonly active: boolean;
  readonly capacity: number;
  /** Capacity consumed by assignments and outstanding offers together. */
  readonly usedCapacity: number;
  readonly channels: ReadonlyMap<string, ChannelView>;
  /** Assignments plus outstanding offers, per channel. */
  readonly jobsPerChannel: ReadonlyMap<string, number>;
  readonly queues: ReadonlySet<string>;
  /** Outstanding offers to this worker. */
  readonly offerCount: number;
  /** Per-worker cap on outstanding offers (2024-01-18-preview); undefined = no cap. */
  readonly maxConcurrentOffers?: number | undefined;
  /** Epoch ms when the worker last became available (registered, or released capacity); longest idle = smallest. */
  readonly availableSince: number;
}

/** What matching needs to know about a job waiting in a queue. */
export interface JobView {
  readonly id: string;
  readonly queueId: string;
  readonly channelId: string;
  readonly priority: number;
  /** Monotonic enqueue order (ties on priority go to the smaller). */
  readonly enqueueSeq: number;
  readonly labels: Labels;
  /** Requested and attached worker selectors that are still active (expired ones are left out). */
  readonly selectors: readonly SelectorView[];
  /** Workers that currently hold a live offer for this job. */
  readonly offeredTo: ReadonlySet<string>;
  /** Workers that declined without `retryOfferAt` (or whose retry time has not come). */
  readonly declinedBy: ReadonlySet<string>;
}

export type DistributionKind = 'bestWorker' | 'longestIdle' | 'roundRobin';

/** Custom best-worker scoring: the real implementation is the rule evaluator of the policy engine. */
export interface WorkerScorer {
  /** Scores for `workers` in the same order. Synchronous scorers only; asynchronous rules are resolved by the engine. */
  score(job: JobView, workers: readonly WorkerView[]): readonly number[];
}

export interface DistributionView {
  readonly kind: DistributionKind;
  readonly minConcurrentOffers: number;
  readonly maxConcurrentOffers: number;
  readonly bypassSelectors: boolean;
  /** bestWorker: sort scores high to low (default) or low to high. */
  readonly descendingOrder: boolean;
  /** bestWorker with a custom scoringRule; absent = the default scoring of spec §3.4. */
  readonly scorer?: WorkerScorer | undefined;
}
