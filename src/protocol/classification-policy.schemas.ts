import { z } from 'zod';
import {
  LabelOperatorSchema,
  ResourceIdSchema,
  RouterQueueSelectorSchema,
  RouterWorkerSelectorSchema,
  resourceMeta,
} from './common.schemas.ts';
import { RouterRuleSchema } from './rules.schemas.ts';
import { KIND_ALIASES, withKindAliases } from './kind-aliases.ts';

/** `ClassificationPolicy` and its selector attachments (spec §1.3, §1.9). */

const weight = z.number().finite().gt(0).max(1);

export const QueueSelectorAttachmentSchema = withKindAliases([
  z.object({ kind: z.literal('static'), queueSelector: RouterQueueSelectorSchema }),
  z.object({
    kind: z.literal('conditional'),
    condition: RouterRuleSchema,
    queueSelectors: z.array(RouterQueueSelectorSchema),
  }),
  z.object({ kind: z.literal('passThrough'), key: z.string().min(1), labelOperator: LabelOperatorSchema }),
  z.object({ kind: z.literal('ruleEngine'), rule: RouterRuleSchema }),
  z.object({
    kind: z.literal('weightedAllocation'),
    allocations: z.array(z.object({ weight, queueSelectors: z.array(RouterQueueSelectorSchema) })).min(1),
  }),
], KIND_ALIASES.queueSelectorAttachment);
export type QueueSelectorAttachment = z.infer<typeof QueueSelectorAttachmentSchema>;

export const WorkerSelectorAttachmentSchema = withKindAliases([
  z.object({ kind: z.literal('static'), workerSelector: RouterWorkerSelectorSchema }),
  z.object({
    kind: z.literal('conditional'),
    condition: RouterRuleSchema,
    workerSelectors: z.array(RouterWorkerSelectorSchema),
  }),
  z.object({
    kind: z.literal('passThrough'),
    key: z.string().min(1),
    labelOperator: LabelOperatorSchema,
    expiresAfterSeconds: z.number().finite().positive().optional(),
  }),
  z.object({ kind: z.literal('ruleEngine'), rule: RouterRuleSchema }),
  z.object({
    kind: z.literal('weightedAllocation'),
    allocations: z.array(z.object({ weight, workerSelectors: z.array(RouterWorkerSelectorSchema) })).min(1),
  }),
], KIND_ALIASES.workerSelectorAttachment);
export type WorkerSelectorAttachment = z.infer<typeof WorkerSelectorAttachmentSchema>;

export const classificationPolicyFields = {
  name: z.string().max(512).optional(),
  fallbackQueueId: ResourceIdSchema.optional(),
  queueSelectorAttachments: z.array(QueueSelectorAttachmentSchema).default([]),
  prioritizationRule: RouterRuleSchema.optional(),
  workerSelectorAttachments: z.array(WorkerSelectorAttachmentSchema).default([]),
};

export const ClassificationPolicySchema = z.object({ ...resourceMeta, ...classificationPolicyFields });
export type ClassificationPolicy = z.infer<typeof ClassificationPolicySchema>;
