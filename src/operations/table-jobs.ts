import { z } from 'zod';
import {
  CancelJobOptionsSchema,
  CloseJobOptionsSchema,
  CompleteJobOptionsSchema,
  EmptyResultSchema,
  ReclassifyJobOptionsSchema,
  UnassignJobOptionsSchema,
  UnassignJobResultSchema,
} from '../protocol/actions.schemas.ts';
import type { CancelJobOptions, CloseJobOptions, CompleteJobOptions, UnassignJobOptions } from '../protocol/actions.schemas.ts';
import { ListJobsFiltersSchema, RouterJobPositionDetailsSchema, RouterJobSchema } from '../protocol/job.schemas.ts';
import { reclassifyJob } from '../policy/classification.ts';
import * as jobs from './jobs.ts';
import type { Preconditions } from './preconditions.ts';
import { actionOperation } from './table-define.ts';
import { resourceOperations } from './table-resource.ts';

const JOB_PATH = '/routing/jobs/{jobId}';
const ASSIGNMENT_PATH = '/routing/jobs/{jobId}/assignments/{assignmentId}';

/** The job operations (spec §2). */
export const jobOperations = [
  ...resourceOperations({
    singular: 'Job',
    plural: 'Jobs',
    collection: 'jobs',
    idParam: 'jobId',
    resource: RouterJobSchema,
    version: ({ engine }, id) => engine.job(id),
    filters: ListJobsFiltersSchema.shape,
    run: {
      upsert: ({ engine }, jobId: string, body: unknown, conditions?: Preconditions) => jobs.upsertJob(engine, jobId, body, conditions),
      get: ({ engine }, jobId) => jobs.getJob(engine, jobId),
      delete: ({ engine }, jobId) => jobs.deleteJob(engine, jobId),
      list: ({ engine }, request: jobs.ListJobsRequest = {}) => jobs.listJobs(engine, request),
    },
    summaries: {
      upsert: 'Creates a job (which then classifies, queues and is offered) or updates one by merge patch.',
      get: 'Reads a job.',
      delete: 'Deletes a closed or cancelled job.',
      list: 'Lists jobs, filtered by status, queue, channel, classification policy and schedule time.',
    },
  }),
  actionOperation({
    name: 'reclassifyJob',
    method: 'POST',
    path: `${JOB_PATH}:reclassify`,
    summary: 'Runs classification again on a job that is not assigned.',
    options: ReclassifyJobOptionsSchema,
    result: EmptyResultSchema,
    run: ({ engine }, jobId) => reclassifyJob(engine, jobId),
  }),
  actionOperation({
    name: 'cancelJob',
    method: 'POST',
    path: `${JOB_PATH}:cancel`,
    summary: 'Cancels a job that is not yet completed, revoking its offers or ending its assignment.',
    options: CancelJobOptionsSchema,
    result: EmptyResultSchema,
    run: ({ engine }, jobId, options?: CancelJobOptions) => jobs.cancelJob(engine, jobId, options),
  }),
  actionOperation({
    name: 'completeJob',
    method: 'POST',
    path: `${ASSIGNMENT_PATH}:complete`,
    summary: 'Completes an assigned job; the worker keeps its capacity until the job is closed.',
    options: CompleteJobOptionsSchema,
    result: EmptyResultSchema,
    run: ({ engine }, jobId, assignmentId, options?: CompleteJobOptions) => jobs.completeJob(engine, jobId, assignmentId, options),
  }),
  actionOperation({
    name: 'closeJob',
    method: 'POST',
    path: `${ASSIGNMENT_PATH}:close`,
    summary: "Closes a job now or at `closeAt`, releasing the worker's capacity.",
    options: CloseJobOptionsSchema,
    result: EmptyResultSchema,
    run: ({ engine }, jobId, assignmentId, options?: CloseJobOptions) => jobs.closeJob(engine, jobId, assignmentId, options),
  }),
  actionOperation({
    name: 'unassignJob',
    method: 'POST',
    path: `${ASSIGNMENT_PATH}:unassign`,
    summary: 'Takes an assigned job back from its worker and queues it again (at most 3 times).',
    options: UnassignJobOptionsSchema,
    result: UnassignJobResultSchema,
    run: ({ engine }, jobId, assignmentId, options?: UnassignJobOptions) => jobs.unassignJob(engine, jobId, assignmentId, options),
  }),
  actionOperation({
    name: 'getInQueuePosition',
    method: 'GET',
    path: `${JOB_PATH}/position`,
    summary: "A queued job's 1-based position, its queue's length and the estimated wait.",
    options: z.object({}),
    result: RouterJobPositionDetailsSchema,
    run: ({ engine }, jobId) => jobs.getInQueuePosition(engine, jobId),
  }),
] as const;
