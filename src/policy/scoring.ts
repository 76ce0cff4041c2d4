/**
 * Custom best-worker scoring (spec §3.4): a `bestWorker` policy's `scoringRule`, evaluated for each eligible worker
 * with the payload Azure sends — `job` (the job's labels) and `selectors` (its worker selectors in force) as
 * `scoringParameters` ask, and `worker` (the worker's labels, with `Id`). Matching ranks workers synchronously, so
 * only rules that answer at once can score; the others are refused when the policy is saved. Batch scoring shapes
 * the payload of HTTP rules only, so for the rules that can score it changes nothing (docs/policies.md).
 */
import { RouterError } from '../errors.ts';
import type { JobView, SelectorView, WorkerScorer, WorkerView } from '../matching/types.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { DistributionMode, DistributionPolicy } from '../protocol/distribution-policy.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import type { RuleEvaluator, RuleInput, RuleOutcome } from '../rules/rule-evaluator.ts';
import { isPromise, type MaybePromise } from './maybe-async.ts';

/** Rule kinds that answer at once and give a number (`directMap` gives selectors). */
const SCORING_KINDS: ReadonlySet<RouterRule['kind']> = new Set(['static', 'expression']);

/** Azure's default `scoringParameters`: both the job's labels and its selectors. */
const DEFAULT_PARAMETERS = ['jobLabels', 'workerSelectors'] as const;

/**
 * Refuses a scoring rule that cannot score while matching runs: `function` and `webhook` answer over HTTP, and
 * matching never waits; `directMap` gives selectors, not a score. `target` names the mode in the body.
 */
export function validateScoringRule(mode: DistributionMode | undefined, target: string): void {
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined || SCORING_KINDS.has(mode.scoringRule.kind)) return;
  throw new RouterError(
    'InvalidRequest',
    `${target}.scoringRule: a ${mode.scoringRule.kind} rule cannot score workers; use a static or expression rule (see docs/policies.md)`,
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

/** The custom scorer of a best-worker policy with a scoring rule; `undefined` means default scoring. */
export function createScorer(policy: DistributionPolicy, evaluator: RuleEvaluator): WorkerScorer | undefined {
  const mode = policy.mode;
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined) return undefined;
  const rule = mode.scoringRule;
  const parameters: readonly string[] = mode.scoringRuleOptions?.scoringParameters ?? DEFAULT_PARAMETERS;
  const withJob = parameters.includes('jobLabels');
  const withSelectors = parameters.includes('workerSelectors');
  return {
    score(job: JobView, workers: readonly WorkerView[]): readonly number[] {
      const base: RuleInput = {
        ...(withJob ? { job: job.labels } : {}),
        ...(withSelectors ? { selectors: job.selectors.map(asSelector) } : {}),
      };
      return workers.map((worker) => scoreOf(evaluator.evaluate(rule, { ...base, worker: worker.labels })));
    },
  };
}
