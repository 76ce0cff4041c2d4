import { z } from 'zod';
import { RouterError } from '../errors.ts';
import { issueWorkerToken } from '../auth/tokens.ts';
import {
  AcceptJobOfferResultSchema,
  DeclineJobOfferOptionsSchema,
  EmptyResultSchema,
} from '../protocol/actions.schemas.ts';
import type { DeclineJobOfferOptions } from '../protocol/actions.schemas.ts';
import { ListWorkersFiltersSchema, RouterWorkerSchema } from '../protocol/worker.schemas.ts';
import type { Preconditions } from './preconditions.ts';
import { actionOperation, faceOnlyAction } from './table-define.ts';
import { resourceOperations } from './table-resource.ts';
import * as workers from './workers.ts';

const WORKER_PATH = '/routing/workers/{workerId}';
const OFFER_PATH = '/routing/workers/{workerId}/offers/{offerId}';

/** Default lifetime of a worker token: one hour. */
export const DEFAULT_WORKER_TOKEN_SECONDS = 3600;
/** Longest lifetime of a worker token: 30 days; tokens are bearer secrets, so they should not outlive a rotation cycle. */
export const MAX_WORKER_TOKEN_SECONDS = 30 * 24 * 3600;

export const IssueWorkerTokenResultSchema = z.object({
  token: z.string(),
  /** RFC 3339; the token is refused from this instant on. */
  expiresAt: z.string(),
});

/** The worker operations (spec §2), and Switchboard's worker-token extension. */
export const workerOperations = [
  ...resourceOperations({
    singular: 'Worker',
    plural: 'Workers',
    collection: 'workers',
    idParam: 'workerId',
    resource: RouterWorkerSchema,
    version: ({ engine }, id) => engine.catalogue.workerVersions.get(id),
    filters: ListWorkersFiltersSchema.shape,
    run: {
      upsert: ({ engine }, workerId: string, body: unknown, conditions?: Preconditions) => workers.upsertWorker(engine, workerId, body, conditions),
      get: ({ engine }, workerId) => workers.getWorker(engine, workerId),
      delete: ({ engine }, workerId) => workers.deleteWorker(engine, workerId),
      list: ({ engine }, request: workers.ListWorkersRequest = {}) => workers.listWorkers(engine, request),
    },
    // A worker reads itself, and registers or deregisters itself (authorize limits which fields it may set).
    access: { upsert: 'ownWorker', get: 'ownWorker' },
    summaries: {
      upsert: 'Creates or updates a worker by merge patch; `availableForOffers` registers or deregisters it.',
      get: 'Reads a worker, with its current offers and assigned jobs.',
      delete: 'Deletes a worker with no assigned jobs, revoking its offers.',
      list: 'Lists workers, filtered by state, channel, queue and spare capacity.',
    },
  }),
  actionOperation({
    name: 'acceptJobOffer',
    method: 'POST',
    path: `${OFFER_PATH}:accept`,
    access: 'ownWorker',
    summary: 'Accepts an offer: the job is assigned to the worker and its other offers are revoked.',
    options: z.object({}),
    result: AcceptJobOfferResultSchema,
    run: ({ engine }, workerId, offerId) => workers.acceptJobOffer(engine, workerId, offerId),
  }),
  actionOperation({
    name: 'declineJobOffer',
    method: 'POST',
    path: `${OFFER_PATH}:decline`,
    access: 'ownWorker',
    summary: 'Declines an offer; with `retryOfferAt` the job may be offered to this worker again from then on.',
    options: DeclineJobOfferOptionsSchema,
    result: EmptyResultSchema,
    run: ({ engine }, workerId, offerId, options?: DeclineJobOfferOptions) => workers.declineJobOffer(engine, workerId, offerId, options),
  }),
  faceOnlyAction({
    name: 'issueWorkerToken',
    method: 'POST',
    path: `${WORKER_PATH}:issueToken`,
    summary: 'Switchboard extension: issues a bearer token that may act only as this worker (admin only).',
    extension: true,
    options: z.object({
      expiresInSeconds: z.number().int().min(1).max(MAX_WORKER_TOKEN_SECONDS).default(DEFAULT_WORKER_TOKEN_SECONDS),
    }),
    result: IssueWorkerTokenResultSchema,
    answer: async ({ engine }, args, context) => {
      if (context.accessKey === undefined)
        throw new RouterError('AccessKeyRequired', 'worker tokens are signed with the access key; start the server with one');
      const expiresAt = engine.now() + args.expiresInSeconds * 1000;
      const token = issueWorkerToken({ workerId: args.workerId, accessKey: context.accessKey, expiresAt });
      return { token, expiresAt: new Date(expiresAt).toISOString() };
    },
  }),
] as const;
