import type { Labels } from '../protocol/common.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import { evaluateFunctionRule, evaluateWebhookRule } from './http-rules.ts';
import type { HttpSettings } from './http-request.ts';
import { compilePowerFx, type CompiledExpression } from './powerfx/index.ts';
import { ruleFailure } from './rule-errors.ts';
import type { RuleEvaluator, RuleInput, RuleOutcome } from './rule-evaluator.ts';
import { createTokenCache } from './token-cache.ts';

/** How long a function or webhook evaluation (token included) may take before it fails with `RuleTimeout`. */
export const DEFAULT_RULE_TIMEOUT_MS = 5_000;

/** The largest function, webhook or token response body read; a bigger one fails with `RuleResponseTooLarge`. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Options of {@link createRuleEvaluator}; every one has a production default. */
export interface RuleEvaluatorOptions {
  /** The HTTP client for function and webhook rules (default: Node's global `fetch`). */
  readonly fetch?: typeof fetch;
  /** Budget of one HTTP rule evaluation in milliseconds (default {@link DEFAULT_RULE_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** The clock deciding when cached webhook tokens expire, in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Largest response body accepted, in bytes (default {@link DEFAULT_MAX_RESPONSE_BYTES}). */
  readonly maxResponseBytes?: number;
}

/** A selector produced by a `directMap` rule: usable as a worker or a queue selector. */
export interface DirectMapSelector {
  readonly key: string;
  readonly labelOperator: 'equal';
  readonly value: Labels[string];
}

/** Compiled expressions kept; beyond this the oldest is dropped, so edited policies cannot grow the cache forever. */
const MAX_CACHED_EXPRESSIONS = 1_000;

/**
 * Creates the evaluator of every router rule kind (spec §1.8). `static`, `expression` and `directMap` answer
 * synchronously; `function` and `webhook` answer with a promise that settles within `timeoutMs`. Nothing it does
 * throws or rejects: every failure is a `{ ok: false }` outcome with a code from `ruleErrorCatalogue`. One evaluator
 * holds one token cache, so the router should create one and share it.
 *
 * @throws RangeError when `timeoutMs` or `maxResponseBytes` is not a positive number — a configuration mistake,
 *   reported at startup rather than as a failure of every HTTP rule.
 */
export function createRuleEvaluator(options: RuleEvaluatorOptions = {}): RuleEvaluator {
  const http: HttpSettings = {
    fetch: options.fetch ?? fetch,
    timeoutMs: positive('timeoutMs', options.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS),
    maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
  };
  const tokens = createTokenCache(http, options.now ?? Date.now);
  const compiled = new Map<string, CompiledExpression>();

  function evaluateExpression(source: string, input: RuleInput): RuleOutcome {
    let expression = compiled.get(source);
    if (expression === undefined) {
      try {
        expression = compilePowerFx(source);
      } catch (error) {
        // Policies are validated when saved, so this is a rule stored before validation existed, or a bug.
        return ruleFailure('ExpressionFailed', error instanceof Error ? error.message : String(error));
      }
      const oldest = compiled.keys().next();
      if (compiled.size >= MAX_CACHED_EXPRESSIONS && !oldest.done) compiled.delete(oldest.value);
      compiled.set(source, expression);
    }
    const result = expression.evaluate({ job: input.job, worker: input.worker });
    return result.ok ? result : ruleFailure('ExpressionFailed', result.message);
  }

  function evaluate(rule: RouterRule, input: RuleInput): RuleOutcome | Promise<RuleOutcome> {
    switch (rule.kind) {
      case 'static':
        return { ok: true, value: rule.value ?? null };
      case 'expression':
        return evaluateExpression(rule.expression, input);
      case 'directMap':
        return { ok: true, value: directMap(input.job) };
      case 'function':
        return settle(evaluateFunctionRule(http, rule, input));
      case 'webhook':
        return settle(evaluateWebhookRule(http, tokens, rule, input));
      default:
        // Only reachable from untyped callers; the schemas admit no other kind.
        return ruleFailure('RuleMisconfigured', `unknown rule kind ${JSON.stringify((rule as { kind?: unknown }).kind)}`);
    }
  }

  return {
    evaluate(rule, input) {
      try {
        return evaluate(rule, input);
      } catch (error) {
        return internalError(error);
      }
    },
  };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** `directMap`: each job label becomes an `equal` selector with the same key and value. */
function directMap(job: Labels | undefined): DirectMapSelector[] {
  return Object.entries(job ?? {}).map(([key, value]) => ({ key, labelOperator: 'equal', value }));
}

/** Turns a rejection, which the HTTP paths are written never to produce, into an outcome anyway. */
function settle(outcome: Promise<RuleOutcome>): Promise<RuleOutcome> {
  return outcome.catch(internalError);
}

function internalError(error: unknown): RuleOutcome {
  const name = error instanceof Error ? error.name : typeof error;
  // Only the error's name: its message could quote a credential.
  return ruleFailure('RuleInternalError', `rule evaluation failed unexpectedly (${name})`);
}
