/**
 * Worker capacity (spec §3.3): offers and assignments both consume capacity, per channel cost.
 */
import type { WorkerView } from './types.ts';

/**
 * Whether `worker` can take one more job on `channelId`: it has that channel, its free capacity covers the
 * channel's `capacityCostPerJob`, and it is below the channel's `maxNumberOfJobs` when one is set.
 */
export function hasRoomFor(worker: WorkerView, channelId: string): boolean {
  const channel = worker.channels.get(channelId);
  if (channel === undefined) return false;
  if (worker.capacity - worker.usedCapacity < channel.capacityCostPerJob) return false;
  return channel.maxNumberOfJobs === undefined || (worker.jobsPerChannel.get(channelId) ?? 0) < channel.maxNumberOfJobs;
}

/**
 * Whether any capacity is free: the cheap test that a worker is worth looking at before {@link hasRoomFor} asks about
 * a particular channel.
 */
export function hasSpareCapacity(worker: Pick<WorkerView, 'capacity' | 'usedCapacity'>): boolean {
  return worker.usedCapacity < worker.capacity;
}

/** Whether the worker's own `maxConcurrentOffers` (none: no cap) leaves room for one more outstanding offer. */
export function mayHoldAnotherOffer(worker: Pick<WorkerView, 'offerCount' | 'maxConcurrentOffers'>): boolean {
  return worker.maxConcurrentOffers === undefined || worker.offerCount < worker.maxConcurrentOffers;
}

/**
 * Consumed capacity over total capacity, in [0, 1] (the `loadRatio` the REST API reports). A worker without
 * capacity is idle (0) when nothing is used and full (1) otherwise, so the ratio is always defined.
 */
export function loadRatio(worker: WorkerView): number {
  if (worker.capacity <= 0) return worker.usedCapacity > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, worker.usedCapacity / worker.capacity));
}
