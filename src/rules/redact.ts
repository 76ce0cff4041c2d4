import type { QueueSelectorAttachment, WorkerSelectorAttachment } from '../protocol/classification-policy.schemas.ts';
import type { DistributionMode } from '../protocol/distribution-policy.schemas.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';

/**
 * Secrets in rules are write-only (spec §1.8): a function's `functionKey` and `appKey`, a webhook's `clientSecret`.
 * The stored policy KEEPS them — the evaluator needs them to call out — and every read STRIPS them: GET, list, the
 * body returned by an upsert, and anything else that renders a policy (events, logs, exports).
 */

/**
 * Returns `rule` without its write-only secrets. Identifiers (`clientId`, URIs) stay. A credential left empty is
 * dropped. A rule with nothing to strip is returned as is.
 */
export function redactRule<R extends RouterRule>(rule: R): R {
  if (rule.kind === 'function' && rule.credential !== undefined) {
    const { credential, ...rest } = rule;
    const { functionKey: _functionKey, appKey: _appKey, ...kept } = credential;
    return (isEmpty(kept) ? rest : { ...rest, credential: kept }) as R;
  }
  if (rule.kind === 'webhook' && rule.clientCredential !== undefined) {
    const { clientCredential, ...rest } = rule;
    const { clientSecret: _clientSecret, ...kept } = clientCredential;
    return (isEmpty(kept) ? rest : { ...rest, clientCredential: kept }) as R;
  }
  return rule;
}

function isEmpty(value: object): boolean {
  return Object.keys(value).length === 0;
}

/** The rule-bearing fields of a classification policy, stored or rendered. */
export interface ClassificationPolicyRules {
  readonly prioritizationRule?: RouterRule | undefined;
  readonly queueSelectorAttachments?: readonly QueueSelectorAttachment[] | undefined;
  readonly workerSelectorAttachments?: readonly WorkerSelectorAttachment[] | undefined;
}

/**
 * Redacts every rule of a classification policy: `prioritizationRule`, and the `condition` of conditional and the
 * `rule` of ruleEngine queue and worker selector attachments. Use it on every read, never on what is stored.
 */
export function redactClassificationPolicy<P extends ClassificationPolicyRules>(policy: P): P {
  return {
    ...policy,
    ...(policy.prioritizationRule !== undefined && { prioritizationRule: redactRule(policy.prioritizationRule) }),
    ...(policy.queueSelectorAttachments !== undefined && {
      queueSelectorAttachments: policy.queueSelectorAttachments.map(redactAttachment),
    }),
    ...(policy.workerSelectorAttachments !== undefined && {
      workerSelectorAttachments: policy.workerSelectorAttachments.map(redactAttachment),
    }),
  };
}

function redactAttachment<A extends QueueSelectorAttachment | WorkerSelectorAttachment>(attachment: A): A {
  if (attachment.kind === 'conditional') return { ...attachment, condition: redactRule(attachment.condition) };
  if (attachment.kind === 'ruleEngine') return { ...attachment, rule: redactRule(attachment.rule) };
  return attachment;
}

/** The rule-bearing field of a distribution policy, stored or rendered. */
export interface DistributionPolicyRules {
  readonly mode?: DistributionMode | undefined;
}

/** Redacts a distribution policy's best-worker `scoringRule`. Use it on every read, never on what is stored. */
export function redactDistributionPolicy<P extends DistributionPolicyRules>(policy: P): P {
  const mode = policy.mode;
  if (mode?.kind !== 'bestWorker' || mode.scoringRule === undefined) return policy;
  return { ...policy, mode: { ...mode, scoringRule: redactRule(mode.scoringRule) } };
}
