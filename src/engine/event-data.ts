import type { JobData, JobFact } from '../../machines/job.machine.ts';
import type { OfferContext, OfferFact } from '../../machines/offer.machine.ts';
import type { WorkerConfig, WorkerContext, WorkerFact } from '../../machines/worker.machine.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import {
  routerEvents,
  type EventExtra,
  type EventGroupData,
  type EventTypeOf,
  type RouterEvent,
  type RouterEventType,
} from '../protocol/events.schemas.ts';
import { toIso } from '../time.ts';

/** An event before the log numbers it. */
export type PendingEvent = Omit<RouterEvent, 'sequenceNumber'>;

/** Whatever a machine emits: the fact one of its transitions made true. */
export type MachineFact = JobFact | OfferFact | WorkerFact;

/** What the engine looks up to complete a machine's fact: what an offer or a worker does not hold. */
export interface FactSources {
  job(jobId: string): JobData | undefined;
  worker(workerId: string): WorkerContext | undefined;
  queue(queueId: string): RouterQueue | undefined;
}

/**
 * A group's fields as built from a job. A job is created with a channel, but an update may set `channelId` to null,
 * so its absence is admitted here.
 */
type AsBuilt<G extends 'job' | 'offer'> = Omit<EventGroupData<G>, 'channelId'> & { channelId: string | undefined };

type Data = Record<string, unknown>;

/**
 * Builders for the events of spec §3.8, one per field group of `src/protocol/events.schemas.ts`, which declares each
 * event's data and subject. Most events are announced by the machines' transitions (`fromFact`); the few that are no
 * transition of any machine are built from their parts (`job`, `worker`). Event Grid keeps the preview vocabulary
 * (`totalCapacity`, `queueAssignments`, PascalCase statuses and operators), so these do too.
 */
export class EventFactory {
  readonly #newId: () => string;
  readonly #now: () => number;
  readonly #sources: FactSources;

  constructor(newId: () => string, now: () => number, sources: FactSources) {
    this.#newId = newId;
    this.#now = now;
    this.#sources = sources;
  }

  /**
   * The event a machine's fact announces: its group's common fields, then the fact's own (for an offer issued or
   * accepted, with the job's fields the offer does not hold), in one data object. `undefined` for the end of an
   * offer whose job is gone, which nobody is told about.
   */
  fromFact(fact: MachineFact): PendingEvent | undefined {
    if ('job' in fact) return this.#make(fact.type, ownFields(jobFields(fact.job), fact, 'job'));
    if ('offer' in fact) return this.#offerEvent(fact);
    if ('config' in fact) return this.#make(fact.type, ownFields(this.#registrationFields(fact.workerId, fact.config), fact, 'config'));
    if (fact.type === 'RouterWorkerOfferAccepted') return this.#acceptedEvent(fact);
    return this.worker(fact.type, fact.workerId);
  }

  /** An event about a job that no transition announces: its common fields, then `extra`. */
  job<T extends EventTypeOf<'job'>>(type: T, job: JobData, extra: EventExtra<T>): PendingEvent {
    return this.#make(type, Object.assign(jobFields(job), extra));
  }

  /** An event about a worker that carries only its id. */
  worker(type: EventTypeOf<'worker'>, workerId: string): PendingEvent {
    return this.#make(type, { workerId } satisfies EventGroupData<'worker'>);
  }

  #make(type: RouterEventType, data: Data): PendingEvent {
    return { id: this.#newId(), type, subject: subjects[type](data), time: toIso(this.#now()), data };
  }

  #offerEvent(fact: OfferFact): PendingEvent | undefined {
    const { offer } = fact;
    const job = this.#sources.job(offer.jobId);
    if (!job) return undefined;
    const data = offerFields(offer, job);
    if (fact.type === 'RouterWorkerOfferIssued') {
      // The worker has just reserved the capacity for this offer: it exists.
      const worker = this.#sources.worker(offer.workerId)!;
      describeOffered(data, job, worker.labels, worker.config.tags);
      data['offeredOn'] = fact.offeredOn;
      data['expiresOn'] = fact.expiresOn;
    }
    return this.#make(fact.type, data);
  }

  /**
   * The worker announced the assignment an accepted offer became. The offer was made from the job's queue: a job
   * that leaves its queue has its offers revoked.
   */
  #acceptedEvent(fact: Extract<WorkerFact, { type: 'RouterWorkerOfferAccepted' }>): PendingEvent {
    const job = this.#sources.job(fact.jobId)!;
    const data = offerFields({ workerId: fact.workerId, queueId: job.queueId ?? '', offerId: fact.offerId }, job);
    data['assignmentId'] = fact.assignmentId;
    describeOffered(data, job, fact.workerLabels, fact.workerTags);
    return this.#make(fact.type, data);
  }

  /** A worker's configuration as `RouterWorkerRegistered` and `RouterWorkerUpdated` carry it. */
  #registrationFields(workerId: string, config: WorkerConfig): Data {
    return {
      workerId,
      queueAssignments: config.queues.map((id) => {
        const queue = this.#sources.queue(id);
        return { id, name: queue?.name, labels: queue?.labels ?? {} };
      }),
      channelConfigurations: config.channels.map(({ channelId, capacityCostPerJob, maxNumberOfJobs }) => ({
        channelId,
        capacityCostPerJob,
        maxNumberOfJobs,
      })),
      totalCapacity: config.capacity,
      labels: config.labels,
      tags: config.tags,
    } satisfies EventGroupData<'workerRegistration'>;
  }
}

/** The fields every event about a job starts with. */
function jobFields(job: JobData): Data {
  return {
    jobId: job.id,
    channelReference: job.channelReference,
    channelId: job.channelId,
    queueId: job.queueId,
    labels: job.labels,
    tags: job.tags,
  } satisfies AsBuilt<'job'>;
}

/** The fields every event about an offer starts with. */
function offerFields(offer: Pick<OfferContext, 'workerId' | 'queueId' | 'offerId'>, job: JobData): Data {
  return {
    workerId: offer.workerId,
    jobId: job.id,
    channelReference: job.channelReference,
    channelId: job.channelId,
    queueId: offer.queueId,
    offerId: offer.offerId,
  } satisfies AsBuilt<'offer'>;
}

/** The fields of an offer issued or accepted that describe the job and the worker (`OfferJobFields`). */
function describeOffered(data: Data, job: JobData, workerLabels: WorkerContext['labels'], workerTags: WorkerConfig['tags']): void {
  data['jobPriority'] = job.priority;
  data['workerLabels'] = workerLabels;
  data['workerTags'] = workerTags;
  data['jobLabels'] = job.labels;
  data['jobTags'] = job.tags;
}

/**
 * Adds a fact's own fields to `data`, in the fact's order: all but its `type` and `subject`, what the common fields
 * were built from. (A registration's `workerId` is set again, to the value it already has.)
 */
function ownFields(data: Data, fact: MachineFact, subject: 'job' | 'config'): Data {
  for (const key in fact) if (key !== 'type' && key !== subject) data[key] = fact[key as keyof MachineFact];
  return data;
}

/**
 * Each type's subject pattern (`job/{jobId}/channel/{channelId}/…`), split once into text and field names, so that
 * building a subject is a few concatenations. An absent field leaves its place empty.
 */
const subjects = Object.fromEntries(
  Object.entries(routerEvents).map(([type, { subject }]) => {
    // Odd indices are field names: "a/{x}/b" splits into ["a/", "x", "/b"].
    const parts = subject.split(/\{(\w+)\}/);
    const build = (data: Record<string, unknown>): string => {
      let text = parts[0]!;
      for (let i = 1; i < parts.length; i += 2) text += String(data[parts[i]!] ?? '') + parts[i + 1]!;
      return text;
    };
    return [type, build];
  }),
) as Record<RouterEventType, (data: Record<string, unknown>) => string>;
