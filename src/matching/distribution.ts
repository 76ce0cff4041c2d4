/**
 * Distribution modes (spec §3.4): which eligible workers get a job's offers, and in what order.
 */
import { BinaryHeap } from './binary-heap.ts';
import { loadRatio } from './capacity.ts';
import { isEligible } from './eligibility.ts';
import { defaultScore } from './scoring.ts';
import type { DistributionView, JobView, WorkerView } from './types.ts';

/** A candidate's place: smaller `primary` first, then smaller `secondary`, then smaller worker id. */
interface Ranked {
  worker: WorkerView;
  primary: number;
  secondary: number;
}

/** Whether a candidate with these keys ranks before `other`; takes the keys loose so probing allocates nothing. */
function precedes(primary: number, secondary: number, id: string, other: Ranked): boolean {
  if (primary !== other.primary) return primary < other.primary;
  if (secondary !== other.secondary) return secondary < other.secondary;
  return id < other.worker.id;
}

function ranksBefore(a: Ranked, b: Ranked): boolean {
  return precedes(a.primary, a.secondary, a.worker.id, b);
}

/**
 * Keeps the `limit` best candidates seen so far in O(log limit) per candidate. The heap's top is the worst one
 * kept, so a better candidate overwrites it in place: at most `limit` records are ever allocated.
 */
class BestOf {
  readonly #heap = new BinaryHeap<Ranked>((a, b) => ranksBefore(b, a));
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  offer(worker: WorkerView, primary: number, secondary: number): void {
    const heap = this.#heap;
    if (heap.size < this.#limit) {
      heap.push({ worker, primary, secondary });
      return;
    }
    const worst = heap.peek();
    if (worst === undefined) return;
    if (!precedes(primary, secondary, worker.id, worst)) return;
    worst.worker = worker;
    worst.primary = primary;
    worst.secondary = secondary;
    heap.replaceTop(worst);
  }

  /** The kept candidates, best first. */
  take(): WorkerView[] {
    // The heap drains worst first.
    return this.#heap.drain().reverse().map((ranked) => ranked.worker);
  }
}

/**
 * A score turned into a `primary` key (smaller first). A missing or NaN score — a scorer that returned too few
 * values or nonsense — ranks last instead of breaking the order.
 */
function scoreKey(score: number | undefined, descending: boolean): number {
  if (score === undefined || Number.isNaN(score)) return Number.POSITIVE_INFINITY;
  return descending ? -score : score;
}

/** How one mode ranks a worker that is not scored by a custom scorer. */
function primaryKeyFor(
  job: JobView,
  policy: DistributionView,
  cursor: string | undefined,
): (worker: WorkerView) => number {
  switch (policy.kind) {
    case 'roundRobin':
      // Ids after the cursor come first, then the wrap-around; the id tie-break orders each part.
      return cursor === undefined ? () => 0 : (worker) => (worker.id > cursor ? 0 : 1);
    case 'longestIdle':
      return loadRatio;
    case 'bestWorker':
      return (worker) => scoreKey(defaultScore(job, worker), policy.descendingOrder);
  }
}

/**
 * The workers to offer `job` to, best first, at most `limit` of them.
 *
 * Only candidates that pass {@link isEligible} (with the policy's `bypassSelectors`) are ranked:
 * - `roundRobin`: by id (plain string order), starting with the first id strictly after `cursor` and wrapping
 *   around; the returned cursor is the id of the last worker returned (the given one when none is returned).
 * - `longestIdle`: load ratio ascending, then longest idle (`availableSince` ascending), then id.
 * - `bestWorker`: score from `policy.scorer`, else {@link defaultScore}; high to low when `descendingOrder`, else
 *   low to high; ties to the longest idle, then id. A missing or NaN score from a scorer ranks last.
 *
 * Other modes return `cursor` unchanged. Cost: O(candidates · eligibility check + candidates · log limit), with no
 * sort of the whole candidate set.
 */
export function rankWorkers(
  job: JobView,
  candidates: Iterable<WorkerView>,
  policy: DistributionView,
  cursor: string | undefined,
  limit: number,
): { workers: WorkerView[]; cursor: string | undefined } {
  if (limit < 1) return { workers: [], cursor };
  const best = new BestOf(limit);
  const bypass = policy.bypassSelectors;
  const scorer = policy.kind === 'bestWorker' ? policy.scorer : undefined;
  if (scorer !== undefined) {
    // A custom scorer sees all eligible workers at once (batch scoring), so they are collected first.
    const eligible: WorkerView[] = [];
    for (const worker of candidates) if (isEligible(worker, job, bypass)) eligible.push(worker);
    const scores = scorer.score(job, eligible);
    eligible.forEach((worker, i) =>
      best.offer(worker, scoreKey(scores[i], policy.descendingOrder), worker.availableSince),
    );
  } else {
    const primaryKey = primaryKeyFor(job, policy, cursor);
    const byIdle = policy.kind !== 'roundRobin';
    for (const worker of candidates) {
      if (isEligible(worker, job, bypass)) best.offer(worker, primaryKey(worker), byIdle ? worker.availableSince : 0);
    }
  }
  const workers = best.take();
  const last = workers[workers.length - 1];
  return { workers, cursor: policy.kind === 'roundRobin' && last !== undefined ? last.id : cursor };
}
