import { z } from 'zod';
import { KIND_ALIASES, withKindAliases } from './kind-aliases.ts';
import { DateTimeSchema, LabelsSchema, ResourceIdSchema, RouterWorkerSelectorSchema, resourceMeta } from './common.schemas.ts';

/** `RouterJob` (spec §1.5, §3.1). */

export const RouterJobStatusSchema = z.enum([
  'pendingClassification',
  'queued',
  'assigned',
  'completed',
  'closed',
  'cancelled',
  'classificationFailed',
  'created',
  'pendingSchedule',
  'scheduled',
  'scheduleFailed',
  'waitingForActivation',
]);
export type RouterJobStatus = z.infer<typeof RouterJobStatusSchema>;

/** The `status` list filter: every status, plus `all` and `active` (everything not closed or cancelled). */
export const RouterJobStatusSelectorSchema = z.enum([...RouterJobStatusSchema.options, 'all', 'active']);
export type RouterJobStatusSelector = z.infer<typeof RouterJobStatusSelectorSchema>;

/** What `listJobs` filters by, besides paging. */
export const ListJobsFiltersSchema = z.object({
  status: RouterJobStatusSelectorSchema.optional(),
  queueId: ResourceIdSchema.optional(),
  channelId: ResourceIdSchema.optional(),
  classificationPolicyId: ResourceIdSchema.optional(),
  /** Jobs scheduled at or before. */
  scheduledBefore: DateTimeSchema.optional(),
  /** Jobs scheduled at or after. */
  scheduledAfter: DateTimeSchema.optional(),
});
export type ListJobsFilters = z.infer<typeof ListJobsFiltersSchema>;

export const JobMatchingModeSchema = withKindAliases(
  [
    z.object({ kind: z.literal('queueAndMatch') }),
    z.object({ kind: z.literal('scheduleAndSuspend'), scheduleAt: DateTimeSchema }),
    z.object({ kind: z.literal('suspend') }),
  ],
  KIND_ALIASES.matchingMode,
);
export type JobMatchingMode = z.infer<typeof JobMatchingModeSchema>;

export const RouterJobNoteSchema = z.object({
  message: z.string().max(10_000),
  addedAt: DateTimeSchema.optional(),
});
export type RouterJobNote = z.infer<typeof RouterJobNoteSchema>;

export const RouterJobAssignmentSchema = z.object({
  assignmentId: z.string(),
  workerId: z.string().optional(),
  assignedAt: DateTimeSchema,
  completedAt: DateTimeSchema.optional(),
  closedAt: DateTimeSchema.optional(),
});
export type RouterJobAssignment = z.infer<typeof RouterJobAssignmentSchema>;

/** The fields a caller may set. */
export const jobFields = {
  channelReference: z.string().max(1024).optional(),
  channelId: ResourceIdSchema.optional(),
  classificationPolicyId: ResourceIdSchema.optional(),
  queueId: ResourceIdSchema.optional(),
  priority: z.number().int().min(-100).max(100).default(1),
  dispositionCode: z.string().max(1024).optional(),
  requestedWorkerSelectors: z.array(RouterWorkerSelectorSchema).max(100).default([]),
  labels: LabelsSchema.default({}),
  tags: LabelsSchema.default({}),
  notes: z.array(RouterJobNoteSchema).max(1000).default([]),
  matchingMode: JobMatchingModeSchema.default({ kind: 'queueAndMatch' }),
};

/** The names of the fields a caller may set. */
export type JobFieldName = keyof typeof jobFields;
export const JOB_FIELD_NAMES = Object.keys(jobFields) as readonly JobFieldName[];

export const RouterJobSchema = z.object({
  ...resourceMeta,
  ...jobFields,
  status: RouterJobStatusSchema,
  enqueuedAt: DateTimeSchema.optional(),
  attachedWorkerSelectors: z.array(RouterWorkerSelectorSchema).default([]),
  assignments: z.record(z.string(), RouterJobAssignmentSchema).default({}),
  scheduledAt: DateTimeSchema.optional(),
});
export type RouterJob = z.infer<typeof RouterJobSchema>;

export const RouterJobPositionDetailsSchema = z.object({
  jobId: z.string(),
  position: z.number().int(),
  queueId: z.string(),
  queueLength: z.number().int(),
  estimatedWaitTimeMinutes: z.number().optional(),
});
export type RouterJobPositionDetails = z.infer<typeof RouterJobPositionDetailsSchema>;
