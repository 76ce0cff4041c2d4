import { z } from 'zod';
import { RouterQueueStatisticsSchema, RouterQueueSchema } from '../protocol/queue.schemas.ts';
import { ClassificationPolicySchema } from '../protocol/classification-policy.schemas.ts';
import { DistributionPolicySchema } from '../protocol/distribution-policy.schemas.ts';
import { ExceptionPolicySchema } from '../protocol/exception-policy.schemas.ts';
import {
  actionOperation,
  deleteOperation,
  getOperation,
  listOperation,
  upsertOperation,
} from './table-define.ts';

/** The administration operations (spec §2): the three policies and queues, plus queue statistics. */
export const adminOperations = [
  upsertOperation({
    name: 'upsertDistributionPolicy',
    path: '/routing/distributionPolicies/{distributionPolicyId}',
    resource: DistributionPolicySchema,
    summary: 'Creates or updates a distribution policy by merge patch.',
    version: (engine, id) => engine.distributionPolicies.get(id),
    upsert: (router, id, patch, conditions) => router.upsertDistributionPolicy(id, patch, conditions),
  }),
  getOperation({
    name: 'getDistributionPolicy',
    path: '/routing/distributionPolicies/{distributionPolicyId}',
    resource: DistributionPolicySchema,
    summary: 'Reads a distribution policy.',
    version: (engine, id) => engine.distributionPolicies.get(id),
    get: (router, id) => router.getDistributionPolicy(id),
  }),
  deleteOperation({
    name: 'deleteDistributionPolicy',
    path: '/routing/distributionPolicies/{distributionPolicyId}',
    summary: 'Deletes a distribution policy no queue uses.',
    delete: (router, id) => router.deleteDistributionPolicy(id),
  }),
  listOperation({
    name: 'listDistributionPolicies',
    path: '/routing/distributionPolicies',
    summary: 'Lists distribution policies.',
    filters: {},
    item: DistributionPolicySchema,
    list: (router, request) => router.listDistributionPolicies(request),
  }),

  upsertOperation({
    name: 'upsertQueue',
    path: '/routing/queues/{queueId}',
    resource: RouterQueueSchema,
    summary: 'Creates or updates a queue by merge patch.',
    version: (engine, id) => engine.queues.get(id),
    upsert: (router, id, patch, conditions) => router.upsertQueue(id, patch, conditions),
  }),
  getOperation({
    name: 'getQueue',
    path: '/routing/queues/{queueId}',
    resource: RouterQueueSchema,
    summary: 'Reads a queue.',
    version: (engine, id) => engine.queues.get(id),
    get: (router, id) => router.getQueue(id),
  }),
  deleteOperation({
    name: 'deleteQueue',
    path: '/routing/queues/{queueId}',
    summary: 'Deletes a queue with no active jobs, no workers and no classification policy falling back to it.',
    delete: (router, id) => router.deleteQueue(id),
  }),
  listOperation({
    name: 'listQueues',
    path: '/routing/queues',
    summary: 'Lists queues.',
    filters: {},
    item: RouterQueueSchema,
    list: (router, request) => router.listQueues(request),
  }),
  actionOperation({
    name: 'getQueueStatistics',
    method: 'GET',
    path: '/routing/queues/{queueId}/statistics',
    summary: "A queue's length and wait-time estimates.",
    options: z.object({}),
    result: RouterQueueStatisticsSchema,
    run: (router, args) => router.getQueueStatistics(args.queueId),
  }),

  upsertOperation({
    name: 'upsertClassificationPolicy',
    path: '/routing/classificationPolicies/{classificationPolicyId}',
    resource: ClassificationPolicySchema,
    summary: 'Creates or updates a classification policy by merge patch.',
    version: (engine, id) => engine.classificationPolicies.get(id),
    upsert: (router, id, patch, conditions) => router.upsertClassificationPolicy(id, patch, conditions),
  }),
  getOperation({
    name: 'getClassificationPolicy',
    path: '/routing/classificationPolicies/{classificationPolicyId}',
    resource: ClassificationPolicySchema,
    summary: 'Reads a classification policy.',
    version: (engine, id) => engine.classificationPolicies.get(id),
    get: (router, id) => router.getClassificationPolicy(id),
  }),
  deleteOperation({
    name: 'deleteClassificationPolicy',
    path: '/routing/classificationPolicies/{classificationPolicyId}',
    summary: 'Deletes a classification policy no active job uses.',
    delete: (router, id) => router.deleteClassificationPolicy(id),
  }),
  listOperation({
    name: 'listClassificationPolicies',
    path: '/routing/classificationPolicies',
    summary: 'Lists classification policies.',
    filters: {},
    item: ClassificationPolicySchema,
    list: (router, request) => router.listClassificationPolicies(request),
  }),

  upsertOperation({
    name: 'upsertExceptionPolicy',
    path: '/routing/exceptionPolicies/{exceptionPolicyId}',
    resource: ExceptionPolicySchema,
    summary: 'Creates or updates an exception policy by merge patch.',
    version: (engine, id) => engine.exceptionPolicies.get(id),
    upsert: (router, id, patch, conditions) => router.upsertExceptionPolicy(id, patch, conditions),
  }),
  getOperation({
    name: 'getExceptionPolicy',
    path: '/routing/exceptionPolicies/{exceptionPolicyId}',
    resource: ExceptionPolicySchema,
    summary: 'Reads an exception policy.',
    version: (engine, id) => engine.exceptionPolicies.get(id),
    get: (router, id) => router.getExceptionPolicy(id),
  }),
  deleteOperation({
    name: 'deleteExceptionPolicy',
    path: '/routing/exceptionPolicies/{exceptionPolicyId}',
    summary: 'Deletes an exception policy no queue uses.',
    delete: (router, id) => router.deleteExceptionPolicy(id),
  }),
  listOperation({
    name: 'listExceptionPolicies',
    path: '/routing/exceptionPolicies',
    summary: 'Lists exception policies.',
    filters: {},
    item: ExceptionPolicySchema,
    list: (router, request) => router.listExceptionPolicies(request),
  }),
] as const;
