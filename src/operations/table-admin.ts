import { z } from 'zod';
import { RouterQueueStatisticsSchema, RouterQueueSchema } from '../protocol/queue.schemas.ts';
import { ClassificationPolicySchema } from '../protocol/classification-policy.schemas.ts';
import { DistributionPolicySchema } from '../protocol/distribution-policy.schemas.ts';
import { ExceptionPolicySchema } from '../protocol/exception-policy.schemas.ts';
import {
  classificationPolicies,
  deleteAdmin,
  distributionPolicies,
  exceptionPolicies,
  getAdmin,
  listAdmin,
  queues,
  upsertAdmin,
  type AdminKind,
  type AdminSpec,
} from './admin.ts';
import { getQueueStatistics } from './jobs.ts';
import type { PageRequest } from './paging.ts';
import type { Preconditions } from './preconditions.ts';
import { actionOperation, type OperationServices } from './table-define.ts';
import { resourceOperations } from './table-resource.ts';

/** The four operation functions of an administration resource, bound to its spec. */
function adminRuns<K extends AdminKind>(spec: AdminSpec<K>) {
  return {
    upsert: ({ engine }: OperationServices, id: string, body: unknown, conditions?: Preconditions) => upsertAdmin(engine, spec, id, body, conditions),
    get: ({ engine }: OperationServices, id: string) => getAdmin(engine, spec, id),
    delete: ({ engine }: OperationServices, id: string) => deleteAdmin(engine, spec, id),
    list: ({ engine }: OperationServices, request: PageRequest = {}) => listAdmin(engine, spec, request),
  };
}

/** The administration operations (spec §2): the three policies and queues, plus queue statistics. */
export const adminOperations = [
  ...resourceOperations({
    singular: 'DistributionPolicy',
    plural: 'DistributionPolicies',
    collection: 'distributionPolicies',
    idParam: 'distributionPolicyId',
    resource: DistributionPolicySchema,
    version: ({ engine }, id) => engine.catalogue.distributionPolicies.get(id),
    filters: {},
    run: adminRuns(distributionPolicies),
    summaries: {
      upsert: 'Creates or updates a distribution policy by merge patch.',
      get: 'Reads a distribution policy.',
      delete: 'Deletes a distribution policy no queue uses.',
      list: 'Lists distribution policies.',
    },
  }),

  ...resourceOperations({
    singular: 'Queue',
    plural: 'Queues',
    collection: 'queues',
    idParam: 'queueId',
    resource: RouterQueueSchema,
    version: ({ engine }, id) => engine.catalogue.queues.get(id),
    filters: {},
    run: adminRuns(queues),
    summaries: {
      upsert: 'Creates or updates a queue by merge patch.',
      get: 'Reads a queue.',
      delete: 'Deletes a queue with no active jobs, no workers and no classification policy falling back to it.',
      list: 'Lists queues.',
    },
  }),
  actionOperation({
    name: 'getQueueStatistics',
    method: 'GET',
    path: '/routing/queues/{queueId}/statistics',
    summary: "A queue's length and wait-time estimates.",
    options: z.object({}),
    result: RouterQueueStatisticsSchema,
    run: ({ engine }, queueId) => getQueueStatistics(engine, queueId),
  }),

  ...resourceOperations({
    singular: 'ClassificationPolicy',
    plural: 'ClassificationPolicies',
    collection: 'classificationPolicies',
    idParam: 'classificationPolicyId',
    resource: ClassificationPolicySchema,
    version: ({ engine }, id) => engine.catalogue.classificationPolicies.get(id),
    filters: {},
    run: adminRuns(classificationPolicies),
    summaries: {
      upsert: 'Creates or updates a classification policy by merge patch.',
      get: 'Reads a classification policy.',
      delete: 'Deletes a classification policy no active job uses.',
      list: 'Lists classification policies.',
    },
  }),

  ...resourceOperations({
    singular: 'ExceptionPolicy',
    plural: 'ExceptionPolicies',
    collection: 'exceptionPolicies',
    idParam: 'exceptionPolicyId',
    resource: ExceptionPolicySchema,
    version: ({ engine }, id) => engine.catalogue.exceptionPolicies.get(id),
    filters: {},
    run: adminRuns(exceptionPolicies),
    summaries: {
      upsert: 'Creates or updates an exception policy by merge patch.',
      get: 'Reads an exception policy.',
      delete: 'Deletes an exception policy no queue uses.',
      list: 'Lists exception policies.',
    },
  }),
] as const;
