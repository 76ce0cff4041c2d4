import { z } from 'zod';
import { LabelsSchema, ResourceIdSchema, resourceMeta } from './common.schemas.ts';

/** `RouterQueue` (spec §1.2). `labels` always carries the implicit `Id`. */
export const queueFields = {
  name: z.string().max(512).optional(),
  distributionPolicyId: ResourceIdSchema.optional(),
  labels: LabelsSchema.default({}),
  exceptionPolicyId: ResourceIdSchema.optional(),
};

export const RouterQueueSchema = z.object({ ...resourceMeta, ...queueFields });
export type RouterQueue = z.infer<typeof RouterQueueSchema>;

export const RouterQueueStatisticsSchema = z.object({
  queueId: z.string(),
  length: z.number().int(),
  estimatedWaitTimeMinutes: z.record(z.string(), z.number()).optional(),
  longestJobWaitTimeMinutes: z.number().optional(),
});
export type RouterQueueStatistics = z.infer<typeof RouterQueueStatisticsSchema>;
