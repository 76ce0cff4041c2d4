/**
 * A rule evaluator whose answers wait until the test releases them, so that asynchronous classification (the path
 * HTTP rules take) can be driven step by step on the manual clock.
 */
import { createRuleEvaluator } from '../../src/rules/evaluator.ts';
import type { RuleEvaluator, RuleInput } from '../../src/rules/rule-evaluator.ts';
import type { RouterRule } from '../../src/protocol/rules.schemas.ts';
import { settle } from './router-fixture.ts';

export interface DeferredRules {
  readonly evaluator: RuleEvaluator;
  /** Evaluations asked for and not yet released. */
  pending(): number;
  /** Releases every pending answer (each as the inner evaluator gives it) and waits for the commits that follow. */
  release(): Promise<void>;
}

export function deferredRules(inner: RuleEvaluator = createRuleEvaluator()): DeferredRules {
  const waiting: Array<() => void> = [];
  return {
    evaluator: {
      evaluate(rule: RouterRule, input: RuleInput) {
        const outcome = inner.evaluate(rule, input);
        return new Promise((resolve) => waiting.push(() => resolve(outcome)));
      },
    },
    pending: () => waiting.length,
    async release() {
      for (const answer of waiting.splice(0)) answer();
      // The answers settle, their command runs, and its commit is published: one turn each.
      for (let turn = 0; turn < 3; turn++) await settle();
    },
  };
}
