import type { WorkerSelectorAttachment } from '../protocol/classification-policy.schemas.ts';
import { RouterWorkerSelectorSchema, type RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { MaybePromise } from './maybe-async.ts';
import type { Decided, RuleContext } from './rule-results.ts';
import { attachSelectors, type Attachment } from './selector-attachments.ts';

/**
 * The shape a `ruleEngine` rule must return. `status` and `expiresAt` are the router's to set, so they are dropped
 * from what a rule returns as from what a policy holds.
 */
const AttachedWorkerSelectorSchema = RouterWorkerSelectorSchema.omit({ status: true, expiresAt: true });

/** A selector without the read-only fields; the router stamps them when it attaches the selector. */
export function unstamped({ status: _status, expiresAt: _expiresAt, ...selector }: RouterWorkerSelector): RouterWorkerSelector {
  return selector;
}

function normalise(attachment: WorkerSelectorAttachment): Attachment<RouterWorkerSelector> {
  switch (attachment.kind) {
    case 'static':
      return { kind: 'static', selectors: [unstamped(attachment.workerSelector)] };
    case 'conditional':
      return { kind: 'conditional', condition: attachment.condition, selectors: attachment.workerSelectors.map(unstamped) };
    case 'passThrough': {
      const { key, labelOperator, expiresAfterSeconds } = attachment;
      return {
        kind: 'passThrough',
        key,
        select: (value) => ({ key, labelOperator, value, ...(expiresAfterSeconds === undefined ? {} : { expiresAfterSeconds }) }),
      };
    }
    case 'ruleEngine':
      return { kind: 'ruleEngine', rule: attachment.rule };
    case 'weightedAllocation':
      return {
        kind: 'weightedAllocation',
        allocations: attachment.allocations.map(({ weight, workerSelectors }) => ({ weight, selectors: workerSelectors.map(unstamped) })),
      };
  }
}

/**
 * The worker selectors a classification policy attaches to a job (its `attachedWorkerSelectors`, before their expiry
 * is stamped), or the errors of the attachments that failed.
 */
export function attachWorkerSelectors(
  attachments: readonly WorkerSelectorAttachment[],
  context: RuleContext,
): MaybePromise<Decided<RouterWorkerSelector[]>> {
  return attachSelectors(attachments.map(normalise), AttachedWorkerSelectorSchema, context, 'workerSelectorAttachments');
}
