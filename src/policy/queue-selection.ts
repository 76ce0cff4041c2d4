import type { StoredResource } from '../engine/engine.ts';
import { satisfiesAll } from '../matching/selectors.ts';
import type { QueueSelectorAttachment } from '../protocol/classification-policy.schemas.ts';
import { RouterQueueSelectorSchema, type RouterQueueSelector } from '../protocol/common.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import type { MaybePromise } from './maybe-async.ts';
import type { Decided, RuleContext } from './rule-results.ts';
import { attachSelectors, type Attachment } from './selector-attachments.ts';

function normalise(attachment: QueueSelectorAttachment): Attachment<RouterQueueSelector> {
  switch (attachment.kind) {
    case 'static':
      return { kind: 'static', selectors: [attachment.queueSelector] };
    case 'conditional':
      return { kind: 'conditional', condition: attachment.condition, selectors: attachment.queueSelectors };
    case 'passThrough': {
      const { key, labelOperator } = attachment;
      return { kind: 'passThrough', key, select: (value) => ({ key, labelOperator, value }) };
    }
    case 'ruleEngine':
      return { kind: 'ruleEngine', rule: attachment.rule };
    case 'weightedAllocation':
      return {
        kind: 'weightedAllocation',
        allocations: attachment.allocations.map(({ weight, queueSelectors }) => ({ weight, selectors: queueSelectors })),
      };
  }
}

/** The union of the queue selectors a classification policy's attachments give for a job. */
export function attachQueueSelectors(
  attachments: readonly QueueSelectorAttachment[],
  context: RuleContext,
): MaybePromise<Decided<RouterQueueSelector[]>> {
  return attachSelectors(attachments.map(normalise), RouterQueueSelectorSchema, context, 'queueSelectorAttachments');
}

/**
 * The queue whose labels (which include the implicit `Id`) satisfy every selector, or `undefined` when there are no
 * selectors or no queue satisfies them. When several do, the first by id wins, so the choice does not depend on the
 * order queues were created in. The usual `Id equal` selector is answered by one lookup instead of a scan.
 */
export function chooseQueue(
  queues: ReadonlyMap<string, StoredResource<RouterQueue>>,
  selectors: readonly RouterQueueSelector[],
): string | undefined {
  if (selectors.length === 0) return undefined;
  const byId = selectors.find((selector) => selector.key === 'Id' && selector.labelOperator === 'equal');
  if (byId !== undefined) {
    const id = byId.value;
    const queue = typeof id === 'string' ? queues.get(id) : undefined;
    return queue && satisfiesAll(selectors, queue.resource.labels) ? String(id) : undefined;
  }
  let chosen: string | undefined;
  for (const [id, queue] of queues)
    if ((chosen === undefined || id < chosen) && satisfiesAll(selectors, queue.resource.labels)) chosen = id;
  return chosen;
}
