/**
 * The five kinds of selector attachment (spec §1.9), once for both families: queue selector attachments and worker
 * selector attachments differ only in field names and in the selector shape they produce, so each family translates
 * its attachments into {@link Attachment} and shares this evaluation.
 */
import { z } from 'zod';
import { readLabel } from '../matching/selectors.ts';
import type { RouterValue } from '../protocol/common.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import { all, andThen, type MaybePromise } from './maybe-async.ts';
import { combine, describe, evaluateRule, failed, ok, type Decided, type RuleContext } from './rule-results.ts';
import { pickWeighted } from './weighted.ts';

/** A selector attachment with its family's field names taken off. */
export type Attachment<S> =
  | { readonly kind: 'static'; readonly selectors: readonly S[] }
  | { readonly kind: 'conditional'; readonly condition: RouterRule; readonly selectors: readonly S[] }
  | { readonly kind: 'passThrough'; readonly key: string; readonly select: (value: RouterValue) => S }
  | { readonly kind: 'ruleEngine'; readonly rule: RouterRule }
  | {
      readonly kind: 'weightedAllocation';
      readonly allocations: readonly { readonly weight: number; readonly selectors: readonly S[] }[];
    };

/**
 * Evaluates every attachment against the job's labels and returns the union of the selectors they attach, in
 * attachment order, or the errors of every attachment that failed.
 *
 * - `static`: its selectors, always.
 * - `conditional`: its selectors when the condition is `true`; `false` or Blank attach nothing; any other value is
 *   an error (a condition that yields a number is a mistake in the rule, not a falsy answer).
 * - `passThrough`: a selector with the value of the job's label of that key; nothing when the job lacks the label.
 * - `ruleEngine`: the rule's value, which must be an array of selectors of the family's shape (`schema`).
 * - `weightedAllocation`: the selectors of exactly one allocation, drawn with probability equal to its weight.
 */
export function attachSelectors<S>(
  attachments: readonly Attachment<S>[],
  schema: z.ZodType<S>,
  context: RuleContext,
  target: string,
): MaybePromise<Decided<S[]>> {
  const each = attachments.map((attachment, i) => attach(attachment, schema, context, `${target}.${i}`));
  return andThen(all(each), (results) => {
    const combined = combine(results);
    return combined.ok ? ok(combined.value.flat()) : combined;
  });
}

function attach<S>(attachment: Attachment<S>, schema: z.ZodType<S>, context: RuleContext, target: string): MaybePromise<Decided<S[]>> {
  const input = { job: context.labels };
  switch (attachment.kind) {
    case 'static':
      return ok([...attachment.selectors]);
    case 'conditional':
      return evaluateRule(context.evaluator, attachment.condition, input, `${target}.condition`, (value) => {
        if (value === true) return ok([...attachment.selectors]);
        if (value === false || value === undefined || value === null) return ok([]);
        return failed('InvalidRuleResult', `the condition must give true or false, not ${describe(value)}`, `${target}.condition`);
      });
    case 'passThrough': {
      const value = readLabel(context.labels, attachment.key);
      return ok(value === undefined ? [] : [attachment.select(value)]);
    }
    case 'ruleEngine':
      return evaluateRule(context.evaluator, attachment.rule, input, `${target}.rule`, (value) => {
        const parsed = z.array(schema).safeParse(value);
        if (parsed.success) return ok(parsed.data);
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
        return failed('InvalidRuleResult', `the rule must give an array of selectors${where}: ${issue?.message ?? 'invalid'}`, `${target}.rule`);
      });
    case 'weightedAllocation':
      return ok([...(pickWeighted(attachment.allocations, context.random)?.selectors ?? [])]);
  }
}
