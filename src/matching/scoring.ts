/**
 * Default best-worker scoring (spec §3.4), used when a `bestWorker` policy has no `scoringRule`.
 */
import { readLabel, satisfiesSelector } from './selectors.ts';
import type { JobView, Labels, SelectorView, WorkerView } from './types.ts';

/** The standard logistic function: 0.5 at 0, towards 1 for large positive x, towards 0 for large negative x. */
function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * One selector's contribution, in [0, 1].
 *
 * Magnitude operators score how far the label is on the wanted side of the selector value, relative to that value:
 * `x = (label − value) / scale` for greaterThan(OrEqual), `(value − label) / scale` for lessThan(OrEqual). Azure
 * divides by the selector value; we divide by its absolute value, and by 1 when it is 0, so that being further on
 * the wanted side always scores higher (a negative divisor would flip the sign) and the score stays finite. For
 * positive selector values — all the documented examples — this is exactly Azure's formula.
 */
function selectorScore(selector: SelectorView, labels: Labels): number {
  const op = selector.labelOperator;
  if (op === 'equal' || op === 'notEqual') return satisfiesSelector(selector, labels) ? 1 : 0;
  const label = readLabel(labels, selector.key);
  const wanted = selector.value;
  if (typeof label !== 'number' || typeof wanted !== 'number') return 0;
  const scale = wanted === 0 ? 1 : Math.abs(wanted);
  const excess = op === 'greaterThan' || op === 'greaterThanOrEqual' ? label - wanted : wanted - label;
  return logistic(excess / scale);
}

/**
 * The default score of `worker` for `job`, in [0, 1].
 *
 * With worker selectors on the job: the average of the selectors' contributions — `equal`/`notEqual` give 1 when
 * satisfied and 0 otherwise; magnitude operators give `1/(1+e^(−x))` of the excess over the selector value
 * divided by |value| (by 1 when the value is 0); a missing or non-numeric label gives 0. Without selectors: the
 * fraction of the job's labels that the worker carries with the same value (0 when the job has no labels).
 */
export function defaultScore(job: JobView, worker: WorkerView): number {
  const selectors = job.selectors;
  if (selectors.length > 0) {
    let sum = 0;
    for (const selector of selectors) sum += selectorScore(selector, worker.labels);
    return sum / selectors.length;
  }
  let total = 0;
  let matched = 0;
  // for…in with an own-key check avoids allocating Object.keys on this per-worker hot path.
  for (const key in job.labels) {
    if (!Object.hasOwn(job.labels, key)) continue;
    total++;
    if (readLabel(worker.labels, key) === job.labels[key]) matched++;
  }
  return total === 0 ? 0 : matched / total;
}
