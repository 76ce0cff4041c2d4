import type { RuleOutcome } from './rule-evaluator.ts';

/**
 * Every code a rule evaluation can fail with (`RuleOutcome.error.code`), with what it means. The codes are stable:
 * classification carries them into `RouterJobClassificationFailed`, and docs/rules.md lists each one (a test checks).
 * They are not `RouterError` codes: a failed rule is an outcome of routing, never a refused request.
 */
export const ruleErrorCatalogue = {
  ExpressionFailed: 'A PowerFx expression did not compile or raised a runtime error.',
  RuleMisconfigured: 'The rule lacks what it needs to run (a webhook rule without `webhookUri`, an unknown kind).',
  RuleTimeout: 'The function or webhook, including fetching its token, did not answer within the timeout.',
  RuleNetworkError: 'The request could not be made or was cut off: connection refused, DNS failure, reset.',
  RuleHttpStatus: 'The function or webhook answered with a status other than 200 (redirects are not followed).',
  RuleBadResponse: 'A 200 answer whose body is not UTF-8 JSON.',
  RuleResponseTooLarge: 'The answer body exceeded `maxResponseBytes`.',
  RuleTokenFailed: 'The authorization server did not issue an access token (not 200, or no `access_token`).',
  RuleInternalError: 'An unexpected fault inside the evaluator; the rule is treated as failed rather than crashing.',
} as const;

/** A stable rule failure code. */
export type RuleErrorCode = keyof typeof ruleErrorCatalogue;

/** A failed `RuleOutcome` whose code is one of the catalogue's. */
export interface RuleFailure extends Extract<RuleOutcome, { ok: false }> {
  readonly error: { readonly code: RuleErrorCode; readonly message: string };
}

/** Builds a failed outcome. Messages must never contain a secret: callers name URLs without their query. */
export function ruleFailure(code: RuleErrorCode, message: string): RuleFailure {
  return { ok: false, error: { code, message } };
}
