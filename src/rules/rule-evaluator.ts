import type { Labels, RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';

/**
 * What a rule is evaluated against. Classification passes `job` (the job's labels); best-worker scoring passes
 * `job`, `selectors` and `worker` (or `workers` when batch scoring). The payload sent to function and webhook rules
 * is built from this (spec §1.8, §3.4).
 */
export interface RuleInput {
  readonly job?: Labels | undefined;
  readonly worker?: Labels | undefined;
  readonly workers?: readonly Labels[] | undefined;
  readonly selectors?: readonly RouterWorkerSelector[] | undefined;
}

/** A rule's result, or why there is none. Evaluating a rule never throws: a failure is an outcome. */
export type RuleOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/**
 * One evaluator for every router rule kind, used by classification, exception handling and best-worker scoring.
 * `static`, `expression` and `directMap` answer synchronously; `function` and `webhook` answer with a promise and
 * never block the engine while they wait.
 */
export interface RuleEvaluator {
  evaluate(rule: RouterRule, input: RuleInput): RuleOutcome | Promise<RuleOutcome>;
}
