import type { LabelOperator, RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import { deadlineIn, describeUrl, parseJson, parseUrl, post, type HttpPost, type HttpReply, type HttpSettings } from './http-request.ts';
import { ruleFailure, type RuleFailure } from './rule-errors.ts';
import type { RuleInput, RuleOutcome } from './rule-evaluator.ts';
import type { TokenCache } from './token-cache.ts';

type FunctionRule = Extract<RouterRule, { kind: 'function' }>;
type WebhookRule = Extract<RouterRule, { kind: 'webhook' }>;

/** Operator names as Azure's rule payloads spell them (`"operator": "GreaterThanOrEqual"`), not the wire enum. */
const payloadOperators: Record<LabelOperator, string> = {
  equal: 'Equal',
  notEqual: 'NotEqual',
  lessThan: 'LessThan',
  lessThanOrEqual: 'LessThanOrEqual',
  greaterThan: 'GreaterThan',
  greaterThanOrEqual: 'GreaterThanOrEqual',
};

function selectorPayload(selector: RouterWorkerSelector): Record<string, unknown> {
  return {
    key: selector.key,
    operator: payloadOperators[selector.labelOperator],
    value: selector.value ?? null,
    expiresAfterSeconds: selector.expiresAfterSeconds ?? null,
  };
}

/**
 * The JSON body function and webhook rules receive, in Azure's shape (spec §1.8, §3.4): `{"job": {…labels}}` for
 * classification; `{job, selectors, worker}` (or `workers`) for scoring. Only the parts the caller supplied appear.
 */
export function rulePayload(input: RuleInput): string {
  return JSON.stringify({
    job: input.job,
    selectors: input.selectors?.map(selectorPayload),
    worker: input.worker,
    workers: input.workers,
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** A 200 reply's JSON body is the rule's value; anything else is a failure naming the status. */
function outcomeOf(reply: HttpReply | RuleFailure, request: HttpPost): RuleOutcome {
  if (!reply.ok) return reply;
  const target = describeUrl(request.url);
  if (reply.status !== 200) return ruleFailure('RuleHttpStatus', `${target} answered ${reply.status}`);
  const parsed = parseJson(reply.body);
  if (parsed === undefined) return ruleFailure('RuleBadResponse', `${target} answered with a body that is not JSON`);
  return { ok: true, value: parsed.value };
}

/**
 * Calls an Azure Functions-style HTTP trigger. A function key goes in `x-functions-key`; an app (host) key goes in
 * the `code` query parameter with its key name in `clientid`, as Azure Functions reads them.
 */
export async function evaluateFunctionRule(http: HttpSettings, rule: FunctionRule, input: RuleInput): Promise<RuleOutcome> {
  const url = parseUrl(rule.functionUri);
  if (url === undefined) return ruleFailure('RuleMisconfigured', 'functionUri is not a URL');
  const { functionKey, appKey, clientId } = rule.credential ?? {};
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (functionKey) headers['x-functions-key'] = functionKey;
  else if (appKey) {
    url.searchParams.set('code', appKey);
    if (clientId) url.searchParams.set('clientid', clientId);
  }
  const request = { url, headers, body: rulePayload(input) };
  return outcomeOf(await post(http, request, deadlineIn(http.timeoutMs)), request);
}

/**
 * Calls a webhook, with a bearer token from `authorizationServerUri` when one is configured. A 401 means the token
 * was revoked or rotated early: it is dropped and the call retried once with a fresh one. The whole evaluation,
 * token included, shares one deadline.
 */
export async function evaluateWebhookRule(
  http: HttpSettings,
  tokens: TokenCache,
  rule: WebhookRule,
  input: RuleInput,
): Promise<RuleOutcome> {
  const url = parseUrl(rule.webhookUri);
  if (url === undefined) return ruleFailure('RuleMisconfigured', 'webhookUri is missing or not a URL');
  const deadline = deadlineIn(http.timeoutMs);
  const body = rulePayload(input);
  const authorizationServerUri = rule.authorizationServerUri;
  if (authorizationServerUri === undefined) {
    const request = { url, headers: JSON_HEADERS, body };
    return outcomeOf(await post(http, request, deadline), request);
  }
  const grant = { authorizationServerUri, ...rule.clientCredential };
  for (let attempt = 1; ; attempt++) {
    const access = await tokens.get(grant, deadline);
    if (!access.ok) return access;
    const request = { url, headers: { ...JSON_HEADERS, authorization: `Bearer ${access.token}` }, body };
    const reply = await post(http, request, deadline);
    if (attempt === 1 && reply.ok && reply.status === 401) {
      tokens.invalidate(grant, access.token);
      continue;
    }
    return outcomeOf(reply, request);
  }
}
