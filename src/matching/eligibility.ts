/**
 * Which workers may be offered a job (spec §3.3).
 */
import { hasRoomFor, mayHoldAnotherOffer } from './capacity.ts';
import { satisfiesAll } from './selectors.ts';
import type { JobView, SelectorView, WorkerView } from './types.ts';

/**
 * The demand side of eligibility, shared by per-job checks and by the queue index (which evaluates it once per
 * group of jobs with the same channel and selectors): the worker has room on `channelId` and its labels satisfy
 * `selectors`, unless `bypassSelectors`.
 */
export function canServe(
  worker: WorkerView,
  channelId: string,
  selectors: readonly SelectorView[],
  bypassSelectors: boolean,
): boolean {
  return hasRoomFor(worker, channelId) && (bypassSelectors || satisfiesAll(selectors, worker.labels));
}

/**
 * Whether `worker` may be offered `job` now: it is active, listens on the job's queue, is under its own
 * `maxConcurrentOffers`, holds no live offer for the job, has not declined it, and {@link canServe} the job's
 * channel and selectors (`bypassSelectors` from the distribution policy).
 */
export function isEligible(worker: WorkerView, job: JobView, bypassSelectors: boolean): boolean {
  return (
    worker.active &&
    worker.queues.has(job.queueId) &&
    mayHoldAnotherOffer(worker) &&
    !job.offeredTo.has(worker.id) &&
    !job.declinedBy.has(worker.id) &&
    canServe(worker, job.channelId, job.selectors, bypassSelectors)
  );
}
