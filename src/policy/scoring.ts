/**
 * Custom best-worker scoring (spec §3.4): a `bestWorker` policy's `scoringRule`, evaluated for each eligible worker
 * with the payload Azure sends — `job` (the job's labels) and `selectors` (its worker selectors in force) as
 * `scoringParameters` ask, and `worker` (the worker's labels, with `Id`). Rules that answer at once (`static`,
 * `expression`) score inside matching ({@link createScorer}); `function` and `webhook` rules answer over HTTP and are
 * scored by the engine outside the command ({@link createAsyncScorer}), per worker or in batches of `batchSize`
 * (`workers`) when `isBatchScoringEnabled`. `directMap` gives selectors, not a score, and is refused when the policy
 * is saved (docs/policies.md).
 */
import { RouterError } from '../errors.ts';
import type { JobView, SelectorView, WorkerScorer, WorkerView } from '../matching/types.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { DistributionMode, DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import type { RuleEvaluator, RuleInput, RuleOutcome } from '../rules/rule-evaluator.ts';
import { isPromise, type MaybePromise } from './maybe-async.ts';

/** Rule kinds that answer at once and give a number. */
const SYNC_SCORING_KINDS: ReadonlySet<RouterRule['kind']> = new Set(['static', 'expression']);

/** Rule kinds that give a number over HTTP, later. */
const ASYNC_SCORING_KINDS: ReadonlySet<RouterRule['kind']> = new Set(['function', 'webhook']);

/** Azure's default `batchSize` when batch scoring is on. */
const DEFAULT_BATCH_SIZE = 20;

/** Azure's default `scoringParameters`: both the job's labels and its selectors. */
const DEFAULT_PARAMETERS = ['jobLabels', 'workerSelectors'] as const;

/** Refuses a scoring rule that cannot score: `directMap` gives selectors, not a number. `target` names the mode. */
export function validateScoringRule(mode: DistributionMode | undefined, target: string): void {
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined) return;
  const kind = mode.scoringRule.kind;
  if (SYNC_SCORING_KINDS.has(kind) || ASYNC_SCORING_KINDS.has(kind)) return;
  throw new RouterError(
    'InvalidRequest',
    `${target}.scoringRule: a ${kind} rule cannot score workers; use a static, expression, function or webhook rule (see docs/policies.md)`,
    `${target}.scoringRule.kind`,
  );
}

function asSelector({ key, labelOperator, value }: SelectorView): RouterWorkerSelector {
  return value === undefined ? { key, labelOperator } : { key, labelOperator, value };
}

/** A finite number, or NaN, which ranks the worker last. */
function scoreOf(outcome: MaybePromise<RuleOutcome>): number {
  if (isPromise(outcome) || !outcome.ok || typeof outcome.value !== 'number' || !Number.isFinite(outcome.value)) return Number.NaN;
  return outcome.value;
}

/** A settled outcome's score: a finite number, or NaN (ranks last). */
function settledScore(outcome: RuleOutcome): number {
  return outcome.ok && typeof outcome.value === 'number' && Number.isFinite(outcome.value) ? outcome.value : Number.NaN;
}

/** A batch's scores: the answer must be an array; each entry a finite number, else NaN for that worker. */
function batchScores(outcome: RuleOutcome, count: number): number[] {
  const values = outcome.ok && Array.isArray(outcome.value) ? (outcome.value as unknown[]) : [];
  const scores: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = values[i];
    scores.push(typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN);
  }
  return scores;
}

/** What a scoring rule is given besides the worker(s), as `scoringParameters` ask. */
function baseInput(mode: Extract<DistributionMode, { kind: 'bestWorker' }>): (job: JobView) => RuleInput {
  const parameters: readonly string[] = mode.scoringRuleOptions?.scoringParameters ?? DEFAULT_PARAMETERS;
  const withJob = parameters.includes('jobLabels');
  const withSelectors = parameters.includes('workerSelectors');
  return (job) => ({
    ...(withJob ? { job: job.labels } : {}),
    ...(withSelectors ? { selectors: job.selectors.map(asSelector) } : {}),
  });
}

/**
 * The custom scorer of a best-worker policy with a synchronous scoring rule; `undefined` means default scoring, or
 * an asynchronous rule ({@link createAsyncScorer}).
 */
export function createScorer(policy: DistributionPolicy, evaluator: RuleEvaluator): WorkerScorer | undefined {
  const mode = policy.mode;
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined || !SYNC_SCORING_KINDS.has(mode.scoringRule.kind)) return undefined;
  const rule = mode.scoringRule;
  const base = baseInput(mode);
  return {
    score(job: JobView, workers: readonly WorkerView[]): readonly number[] {
      const input = base(job);
      return workers.map((worker) => scoreOf(evaluator.evaluate(rule, { ...input, worker: worker.labels })));
    },
  };
}

/** Scores workers over HTTP; the promise never rejects, and every worker gets a score (NaN when its call failed). */
export interface AsyncWorkerScorer {
  score(job: JobView, workers: readonly WorkerView[]): Promise<number[]>;
}

/**
 * The scorer of a best-worker policy whose scoring rule is a `function` or `webhook`; `undefined` otherwise. Every
 * call starts at once: one per worker (`{job, selectors, worker}`), or one per batch of `batchSize` workers
 * (`{job, selectors, workers}`, answered by an array of numbers in the same order) when `isBatchScoringEnabled`.
 * A failed call, or an answer that is not a finite number, gives the worker(s) NaN, which ranks last.
 */
export function createAsyncScorer(policy: DistributionPolicy, evaluator: RuleEvaluator): AsyncWorkerScorer | undefined {
  const mode = policy.mode;
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined || !ASYNC_SCORING_KINDS.has(mode.scoringRule.kind)) return undefined;
  const rule = mode.scoringRule;
  const base = baseInput(mode);
  const batched = mode.scoringRuleOptions?.isBatchScoringEnabled === true;
  const requested = mode.scoringRuleOptions?.batchSize ?? DEFAULT_BATCH_SIZE;
  const batchSize = Number.isInteger(requested) && requested > 0 ? requested : DEFAULT_BATCH_SIZE;
  const safely = <T>(run: () => MaybePromise<T>, fallback: T): Promise<T> =>
    Promise.resolve()
      .then(run)
      .catch(() => fallback);
  return {
    async score(job: JobView, workers: readonly WorkerView[]): Promise<number[]> {
      const input = base(job);
      if (!batched) {
        return Promise.all(
          workers.map((worker) => safely(async () => settledScore(await evaluator.evaluate(rule, { ...input, worker: worker.labels })), Number.NaN)),
        );
      }
      const batches: Promise<number[]>[] = [];
      for (let start = 0; start < workers.length; start += batchSize) {
        const batch = workers.slice(start, start + batchSize);
        batches.push(
          safely(
            async () => batchScores(await evaluator.evaluate(rule, { ...input, workers: batch.map((worker) => worker.labels) }), batch.length),
            batch.map(() => Number.NaN),
          ),
        );
      }
      return (await Promise.all(batches)).flat();
    },
  };
}
