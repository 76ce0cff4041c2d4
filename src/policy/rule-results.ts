import type { Labels } from '../protocol/common.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import type { RuleEvaluator, RuleInput, RuleOutcome } from '../rules/rule-evaluator.ts';
import { andThen, isPromise, type MaybePromise } from './maybe-async.ts';

/** Why a policy step could not finish: one entry of `RouterJobClassificationFailed.errors`. */
export interface PolicyError {
  readonly code: string;
  readonly message: string;
  /** Where in the policy the failing rule or attachment is, e.g. `workerSelectorAttachments.2.condition`. */
  readonly target: string;
}

/** A step's result, or every reason it failed. */
export type Decided<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly PolicyError[] };

/** What classification rules are evaluated with. */
export interface RuleContext {
  readonly evaluator: RuleEvaluator;
  /** Uniform draws in [0, 1) for weighted allocation. */
  readonly random: () => number;
  /** The job's labels: the `job` of every rule input. */
  readonly labels: Labels;
}

/** A successful result. */
export function ok<T>(value: T): Decided<T> {
  return { ok: true, value };
}

/** A result failed for one reason. */
export function failed<T>(code: string, message: string, target: string): Decided<T> {
  return { ok: false, errors: [{ code, message, target }] };
}

/**
 * Evaluates one rule and checks its value with `accept`, which returns the typed value or an error message. The
 * evaluator never throws, but a promise it returns could still reject (a faulty port): that, too, becomes an error.
 */
export function evaluateRule<T>(
  evaluator: RuleEvaluator,
  rule: RouterRule,
  input: RuleInput,
  target: string,
  accept: (value: unknown) => Decided<T>,
): MaybePromise<Decided<T>> {
  const fromOutcome = (outcome: RuleOutcome): Decided<T> =>
    outcome.ok ? accept(outcome.value) : failed(outcome.error.code, outcome.error.message, target);
  const outcome = evaluator.evaluate(rule, input);
  const decided = andThen(outcome, fromOutcome);
  return isPromise(decided)
    ? decided.catch((cause: unknown) => failed<T>('RuleEvaluationFailed', cause instanceof Error ? cause.message : String(cause), target))
    : decided;
}

/** A rule's value as an error message shows it: Blank for no value. */
export function describe(value: unknown): string {
  return value === undefined || value === null ? 'Blank' : JSON.stringify(value);
}

/** Combines results: every value in order, or every error of every failed one. */
export function combine<T>(results: readonly Decided<T>[]): Decided<T[]> {
  const errors = results.flatMap((result) => (result.ok ? [] : result.errors));
  return errors.length > 0 ? { ok: false, errors } : ok(results.flatMap((result) => (result.ok ? [result.value] : [])));
}
