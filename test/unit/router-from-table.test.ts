import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { operations, routedOperations, type Operation } from '../../src/operations/table.ts';
import type { ListJobsRequest } from '../../src/operations/jobs.ts';
import type { ListWorkersRequest } from '../../src/operations/workers.ts';
import type { Page, PageRequest } from '../../src/operations/paging.ts';
import type { Preconditions } from '../../src/operations/preconditions.ts';
import type { ClassificationPolicy } from '../../src/protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { DeadLetter, EventSubscription } from '../../src/protocol/event-subscription.schemas.ts';
import type { ExceptionPolicy } from '../../src/protocol/exception-policy.schemas.ts';
import type { RouterJob, RouterJobPositionDetails } from '../../src/protocol/job.schemas.ts';
import type { RouterQueue, RouterQueueStatistics } from '../../src/protocol/queue.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import {
  Router,
  type AcceptJobOfferResult,
  type CancelJobOptions,
  type CloseJobOptions,
  type CompleteJobOptions,
  type DeclineJobOfferOptions,
  type EmptyResult,
  type UnassignJobOptions,
  type UnassignJobResult,
} from '../../src/index.ts';
import type { UpsertResult } from '../../src/operations/admin.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { CommitBatch } from '../../src/store/store.ts';

/** The Router's operation methods, as the in-process API documents them: generated from the table, typed exactly so. */
interface DocumentedOperations {
  upsertDistributionPolicy(id: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<DistributionPolicy>>;
  getDistributionPolicy(id: string): Promise<DistributionPolicy>;
  deleteDistributionPolicy(id: string): Promise<void>;
  listDistributionPolicies(request?: PageRequest): Promise<Page<DistributionPolicy>>;
  upsertQueue(id: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterQueue>>;
  getQueue(id: string): Promise<RouterQueue>;
  deleteQueue(id: string): Promise<void>;
  listQueues(request?: PageRequest): Promise<Page<RouterQueue>>;
  getQueueStatistics(queueId: string): Promise<RouterQueueStatistics>;
  upsertClassificationPolicy(id: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<ClassificationPolicy>>;
  getClassificationPolicy(id: string): Promise<ClassificationPolicy>;
  deleteClassificationPolicy(id: string): Promise<void>;
  listClassificationPolicies(request?: PageRequest): Promise<Page<ClassificationPolicy>>;
  upsertExceptionPolicy(id: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<ExceptionPolicy>>;
  getExceptionPolicy(id: string): Promise<ExceptionPolicy>;
  deleteExceptionPolicy(id: string): Promise<void>;
  listExceptionPolicies(request?: PageRequest): Promise<Page<ExceptionPolicy>>;
  upsertJob(jobId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterJob>>;
  getJob(jobId: string): Promise<RouterJob>;
  deleteJob(jobId: string): Promise<void>;
  listJobs(request?: ListJobsRequest): Promise<Page<RouterJob>>;
  cancelJob(jobId: string, options?: CancelJobOptions): Promise<EmptyResult>;
  completeJob(jobId: string, assignmentId: string, options?: CompleteJobOptions): Promise<EmptyResult>;
  closeJob(jobId: string, assignmentId: string, options?: CloseJobOptions): Promise<EmptyResult>;
  unassignJob(jobId: string, assignmentId: string, options?: UnassignJobOptions): Promise<UnassignJobResult>;
  reclassifyJob(jobId: string): Promise<EmptyResult>;
  getInQueuePosition(jobId: string): Promise<RouterJobPositionDetails>;
  upsertWorker(workerId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<RouterWorker>>;
  getWorker(workerId: string): Promise<RouterWorker>;
  deleteWorker(workerId: string): Promise<void>;
  listWorkers(request?: ListWorkersRequest): Promise<Page<RouterWorker>>;
  acceptJobOffer(workerId: string, offerId: string): Promise<AcceptJobOfferResult>;
  declineJobOffer(workerId: string, offerId: string, options?: DeclineJobOfferOptions): Promise<EmptyResult>;
  upsertEventSubscription(id: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<EventSubscription>>;
  getEventSubscription(id: string): Promise<EventSubscription>;
  deleteEventSubscription(id: string): Promise<void>;
  listEventSubscriptions(request?: PageRequest): Promise<Page<EventSubscription>>;
  listEventSubscriptionDeadLetters(eventSubscriptionId: string, request?: PageRequest): Promise<Page<DeadLetter>>;
  deleteEventSubscriptionDeadLetter(eventSubscriptionId: string, deadLetterId: string): Promise<void>;
}

type Documented = keyof DocumentedOperations;
/** The documented methods by name, at run time; the type makes the list complete and exact. */
const DOCUMENTED: Record<Documented, true> = {
  upsertDistributionPolicy: true,
  getDistributionPolicy: true,
  deleteDistributionPolicy: true,
  listDistributionPolicies: true,
  upsertQueue: true,
  getQueue: true,
  deleteQueue: true,
  listQueues: true,
  getQueueStatistics: true,
  upsertClassificationPolicy: true,
  getClassificationPolicy: true,
  deleteClassificationPolicy: true,
  listClassificationPolicies: true,
  upsertExceptionPolicy: true,
  getExceptionPolicy: true,
  deleteExceptionPolicy: true,
  listExceptionPolicies: true,
  upsertJob: true,
  getJob: true,
  deleteJob: true,
  listJobs: true,
  cancelJob: true,
  completeJob: true,
  closeJob: true,
  unassignJob: true,
  reclassifyJob: true,
  getInQueuePosition: true,
  upsertWorker: true,
  getWorker: true,
  deleteWorker: true,
  listWorkers: true,
  acceptJobOffer: true,
  declineJobOffer: true,
  upsertEventSubscription: true,
  getEventSubscription: true,
  deleteEventSubscription: true,
  listEventSubscriptions: true,
  listEventSubscriptionDeadLetters: true,
  deleteEventSubscriptionDeadLetter: true,
};

/** Path parameters of an entry, in template order. */
function pathParams(entry: Operation): string[] {
  return [...entry.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/** A valid value for each path parameter, distinct per position so a swap shows. */
const pathValues = (entry: Operation) => pathParams(entry).map((name, i) => `${name}-${i}`);

/** A get of one resource (its path ends with the id), not a derived read such as statistics. */
const isResourceGet = (entry: Operation) => entry.kind === 'get' && entry.path.endsWith('}');

/** What a spied `run` answers, shaped as the entry's face expects. */
function answerFor(entry: Operation): unknown {
  if (entry.kind === 'upsert') return { resource: { etag: '"e"' }, created: true };
  if (entry.kind === 'list') return { value: [] };
  if (entry.kind === 'delete') return undefined;
  if (isResourceGet(entry)) return { etag: '"e"' };
  return {};
}

/** The face's flat arguments for an entry and the positional parameters its `run` must then receive. */
function faceCase(entry: Operation): { args: Record<string, unknown>; params: unknown[] } {
  const names = pathParams(entry);
  const values = pathValues(entry);
  const path = Object.fromEntries(names.map((name, i) => [name, values[i]]));
  const withoutPath = (parsed: Record<string, unknown>) => Object.fromEntries(Object.entries(parsed).filter(([key]) => !names.includes(key)));
  switch (entry.kind) {
    case 'upsert':
      return { args: { ...path, name: 'n', ifMatch: '"e"' }, params: [...values, { name: 'n' }, { ifMatch: '"e"', ifUnmodifiedSince: undefined }] };
    case 'list': {
      const args = { ...path, maxpagesize: '5' };
      return { args, params: [...values, withoutPath(entry.args.parse(args) as Record<string, unknown>)] };
    }
    case 'delete':
      return { args: path, params: values };
    case 'get':
    case 'action':
      // An action read by GET (statistics, position) gets its options after the path parameters, as any action.
      if (isResourceGet(entry)) return { args: path, params: values };
      return { args: path, params: [...values, withoutPath(entry.args.parse(path) as Record<string, unknown>)] };
  }
}

/** A memory store whose commits fail once `failing` is set, as a full disk would. */
class FailingStore extends MemoryStore {
  failing = false;
  override async commit(batch: CommitBatch): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.commit(batch);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Router, generated from the operations table', () => {
  it('has exactly the documented in-process signatures', () => {
    expectTypeOf<Pick<Router, Documented>>().toEqualTypeOf<DocumentedOperations>();
    expect(routedOperations.map((entry) => entry.name).sort()).toEqual(Object.keys(DOCUMENTED).sort());
  });

  it('has a method for every entry with a run, and for no other', () => {
    for (const entry of operations) {
      const method: unknown = (Router.prototype as unknown as Record<string, unknown>)[entry.name];
      if ('run' in entry) expect(typeof method, entry.name).toBe('function');
      else expect(method, entry.name).toBeUndefined();
    }
    expect(operations.filter((entry) => !('run' in entry)).map((entry) => entry.name)).toEqual(['issueWorkerToken']);
  });

  it.each(routedOperations.map((entry) => [entry.name, entry] as const))(
    '%s: the method passes its parameters to run unchanged, and a face passes path parameters in template order, then the rest',
    async (_name, entry) => {
      const router = await Router.open();
      try {
        const run = vi.spyOn(entry as unknown as { run: (...params: unknown[]) => unknown }, 'run').mockImplementation(async () => answerFor(entry));
        const inProcess = [...pathValues(entry), { marker: true }];
        await (router as unknown as Record<string, (...params: unknown[]) => Promise<unknown>>)[entry.name]!(...inProcess);
        expect(run.mock.calls[0]?.slice(1)).toEqual(inProcess);

        const { args, params } = faceCase(entry);
        await router.invoke(entry, args, {});
        expect(run.mock.calls[1]?.slice(1)).toEqual(params);
        // Both paths hand run the same services.
        expect(run.mock.calls[1]?.[0]).toBe(run.mock.calls[0]?.[0]);
      } finally {
        await router.close();
      }
    },
  );

  it('refuses reads, in process and through a face, once a commit failed, without running them', async () => {
    const store = new FailingStore();
    const router = await Router.open({ store });
    store.failing = true;
    await expect(router.upsertQueue('q', { name: 'q' })).rejects.toMatchObject({ code: 'StoreUnavailable' });
    for (const entry of routedOperations.filter((candidate) => candidate.kind === 'get' || candidate.kind === 'list')) {
      const run = vi.spyOn(entry as unknown as { run: (...params: unknown[]) => unknown }, 'run');
      const method = (router as unknown as Record<string, (...params: unknown[]) => Promise<unknown>>)[entry.name]!;
      await expect(method.call(router, ...pathValues(entry)), entry.name).rejects.toMatchObject({ code: 'StoreUnavailable' });
      await expect(router.invoke(entry, faceCase(entry).args, {}), entry.name).rejects.toMatchObject({ code: 'StoreUnavailable' });
      expect(run, entry.name).not.toHaveBeenCalled();
    }
    await router.close().catch(() => undefined);
  });
});
