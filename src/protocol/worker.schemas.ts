import { z } from 'zod';
import { DateTimeSchema, LabelsSchema, QueryBooleanSchema, ResourceIdSchema, resourceMeta } from './common.schemas.ts';

/** `RouterWorker` (spec §1.7, §3.2). `labels` always carries the implicit `Id`. */

export const RouterWorkerStateSchema = z.enum(['active', 'draining', 'inactive']);
export type RouterWorkerState = z.infer<typeof RouterWorkerStateSchema>;

/** What `listWorkers` filters by, besides paging. */
export const ListWorkersFiltersSchema = z.object({
  state: z.enum([...RouterWorkerStateSchema.options, 'all']).optional(),
  channelId: ResourceIdSchema.optional(),
  queueId: ResourceIdSchema.optional(),
  /** Only active workers with room for `channelId` (or for any of their channels when none is given). */
  hasCapacity: QueryBooleanSchema.optional(),
});
export type ListWorkersFilters = z.infer<typeof ListWorkersFiltersSchema>;

export const RouterChannelSchema = z.object({
  channelId: ResourceIdSchema,
  capacityCostPerJob: z.number().int().min(0),
  maxNumberOfJobs: z.number().int().min(1).optional(),
});
export type RouterChannel = z.infer<typeof RouterChannelSchema>;

export const RouterJobOfferSchema = z.object({
  offerId: z.string(),
  jobId: z.string(),
  capacityCost: z.number().int(),
  offeredAt: DateTimeSchema.optional(),
  expiresAt: DateTimeSchema.optional(),
});
export type RouterJobOffer = z.infer<typeof RouterJobOfferSchema>;

export const RouterWorkerAssignmentSchema = z.object({
  assignmentId: z.string(),
  jobId: z.string(),
  capacityCost: z.number().int(),
  assignedAt: DateTimeSchema,
});
export type RouterWorkerAssignment = z.infer<typeof RouterWorkerAssignmentSchema>;

export const workerFields = {
  queues: z
    .array(ResourceIdSchema)
    .max(1000)
    .default([])
    .refine((queues) => new Set(queues).size === queues.length, { message: 'queue ids must be unique' }),
  capacity: z.number().int().min(0).max(1_000_000).default(0),
  labels: LabelsSchema.default({}),
  tags: LabelsSchema.default({}),
  channels: z
    .array(RouterChannelSchema)
    .max(1000)
    .default([])
    .refine((channels) => new Set(channels.map((c) => c.channelId)).size === channels.length, {
      message: 'channel ids must be unique',
    }),
  availableForOffers: z.boolean().default(false),
  maxConcurrentOffers: z.number().int().min(1).optional(),
};

export const RouterWorkerSchema = z.object({
  ...resourceMeta,
  ...workerFields,
  state: RouterWorkerStateSchema,
  offers: z.array(RouterJobOfferSchema),
  assignedJobs: z.array(RouterWorkerAssignmentSchema),
  loadRatio: z.number(),
});
export type RouterWorker = z.infer<typeof RouterWorkerSchema>;
