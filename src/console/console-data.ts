import type { Engine } from '../engine/engine.ts';
import { getQueueStatistics } from '../operations/jobs.ts';
import type { RouterWorkerState } from '../protocol/worker.schemas.ts';

/** A queue as the console's queue view shows it: statistics, workers by state, live offers. */
export interface ConsoleQueueSummary {
  readonly queueId: string;
  readonly name: string | undefined;
  readonly distributionPolicyId: string | undefined;
  readonly length: number;
  readonly longestJobWaitTimeMinutes: number | undefined;
  readonly estimatedWaitTimeMinutes: Readonly<Record<string, number>>;
  /** Workers listening on the queue, by state. */
  readonly workers: Readonly<Record<RouterWorkerState, number>>;
  /** Offers from this queue that are issued and not yet answered. */
  readonly liveOffers: number;
}

/** Most queues one summary holds; the console says when there are more. */
export const MAX_QUEUE_SUMMARIES = 1000;

/**
 * Every queue (up to {@link MAX_QUEUE_SUMMARIES}, in id order) with what the queue view shows. Workers by state and
 * live offers per queue are not in Azure's API and would take every worker page to count client-side, so they are
 * counted here in one pass over the workers and one over the live offers: O(workers + offers + queues).
 */
export function queueSummaries(engine: Engine): { value: ConsoleQueueSummary[]; truncated: boolean } {
  const workers = new Map<string, Record<RouterWorkerState, number>>();
  for (const actor of engine.actors.workers.values()) {
    const snapshot = actor.getSnapshot();
    const state = snapshot.value as RouterWorkerState;
    for (const queueId of snapshot.context.config.queues) {
      let counts = workers.get(queueId);
      if (counts === undefined) workers.set(queueId, (counts = { active: 0, draining: 0, inactive: 0 }));
      counts[state] += 1;
    }
  }
  const offers = new Map<string, number>();
  for (const offer of engine.offers.values()) {
    const snapshot = offer.getSnapshot();
    if (snapshot.value === 'issued') offers.set(snapshot.context.queueId, (offers.get(snapshot.context.queueId) ?? 0) + 1);
  }
  const value: ConsoleQueueSummary[] = [];
  let truncated = false;
  for (const [queueId, queue] of engine.catalogue.queues.entriesAfter()) {
    if (value.length === MAX_QUEUE_SUMMARIES) {
      truncated = true;
      break;
    }
    const statistics = getQueueStatistics(engine, queueId);
    value.push({
      queueId,
      name: queue.resource.name,
      distributionPolicyId: queue.resource.distributionPolicyId,
      length: statistics.length,
      longestJobWaitTimeMinutes: statistics.longestJobWaitTimeMinutes,
      estimatedWaitTimeMinutes: statistics.estimatedWaitTimeMinutes ?? {},
      workers: workers.get(queueId) ?? { active: 0, draining: 0, inactive: 0 },
      liveOffers: offers.get(queueId) ?? 0,
    });
  }
  return { value, truncated };
}

/** A worker's load on one channel. */
export interface ConsoleChannelLoad {
  readonly channelId: string;
  readonly capacityCostPerJob: number;
  readonly maxNumberOfJobs: number | undefined;
  /** Offers plus assignments on the channel. */
  readonly jobs: number;
  /** Capacity those take. */
  readonly capacityUsed: number;
}

/** A worker's load, channel by channel, which Azure's worker resource does not break down. */
export interface ConsoleWorkerLoad {
  readonly workerId: string;
  readonly state: RouterWorkerState;
  readonly capacity: number;
  readonly usedCapacity: number;
  readonly channels: readonly ConsoleChannelLoad[];
}

/** Most workers one load request may name: one list page. */
export const MAX_WORKER_LOADS = 1000;

/** The load per channel of each named worker that exists (unknown ids are left out). */
export function workerLoads(engine: Engine, workerIds: readonly string[]): ConsoleWorkerLoad[] {
  const loads: ConsoleWorkerLoad[] = [];
  for (const workerId of workerIds) {
    const actor = engine.actors.workers.get(workerId);
    if (actor === undefined) continue;
    const { value, context } = actor.getSnapshot();
    const used = new Map<string, number>();
    for (const held of [...Object.values(context.offers), ...Object.values(context.assignments)])
      used.set(held.channelId, (used.get(held.channelId) ?? 0) + held.capacityCost);
    loads.push({
      workerId,
      state: value as RouterWorkerState,
      capacity: context.capacity,
      usedCapacity: context.usedCapacity,
      channels: context.config.channels.map((channel) => ({
        channelId: channel.channelId,
        capacityCostPerJob: channel.capacityCostPerJob,
        maxNumberOfJobs: channel.maxNumberOfJobs,
        jobs: context.jobsPerChannel.get(channel.channelId) ?? 0,
        capacityUsed: used.get(channel.channelId) ?? 0,
      })),
    });
  }
  return loads;
}
