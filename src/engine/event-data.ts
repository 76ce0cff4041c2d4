import type { JobData } from '../../machines/job.machine.ts';
import type { WorkerContext } from '../../machines/worker.machine.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import {
  routerEvents,
  type EventExtra,
  type EventGroupData,
  type EventTypeOf,
  type EventWorkerSelector,
  type RouterEvent,
  type RouterEventType,
} from '../protocol/events.schemas.ts';
import { toIso } from '../time.ts';

/** An event before the log numbers it. */
export type PendingEvent = Omit<RouterEvent, 'sequenceNumber'>;

/**
 * A group's fields as built from a job. A job is created with a channel, but an update may set `channelId` to null,
 * so its absence is admitted here.
 */
type AsBuilt<G extends 'job' | 'offer'> = Omit<EventGroupData<G>, 'channelId'> & { channelId: string | undefined };

/**
 * Builders for the events of spec §3.8, one per field group of `src/protocol/events.schemas.ts`, which declares each
 * event's data and subject. Event Grid keeps the preview vocabulary (`totalCapacity`, `queueAssignments`, PascalCase
 * statuses and operators), so these do too.
 */
export class EventFactory {
  readonly #newId: () => string;
  readonly #now: () => number;

  constructor(newId: () => string, now: () => number) {
    this.#newId = newId;
    this.#now = now;
  }

  /** `data` with `extra` added: one object, built without spreading. */
  #make(type: RouterEventType, data: Record<string, unknown>, extra?: object): PendingEvent {
    if (extra) Object.assign(data, extra);
    return { id: this.#newId(), type, subject: subjects[type](data), time: toIso(this.#now()), data };
  }

  /** An event about a job: its common fields, then `extra`. */
  job<T extends EventTypeOf<'job'>>(type: T, job: JobData, extra: EventExtra<T>): PendingEvent {
    const data: Record<string, unknown> = {
      jobId: job.id,
      channelReference: job.channelReference,
      channelId: job.channelId,
      queueId: job.queueId,
      labels: job.labels,
      tags: job.tags,
    } satisfies AsBuilt<'job'>;
    return this.#make(type, data, extra);
  }

  /** An event about one offer of `job` to a worker: the offer's common fields, then `extra`. */
  offer<T extends EventTypeOf<'offer'>>(
    type: T,
    offer: { readonly workerId: string; readonly queueId: string; readonly offerId: string },
    job: JobData,
    extra: EventExtra<T>,
  ): PendingEvent {
    const data: Record<string, unknown> = {
      workerId: offer.workerId,
      jobId: job.id,
      channelReference: job.channelReference,
      channelId: job.channelId,
      queueId: offer.queueId,
      offerId: offer.offerId,
    } satisfies AsBuilt<'offer'>;
    return this.#make(type, data, extra);
  }

  /** An event about a worker that carries only its id. */
  worker(type: EventTypeOf<'worker'>, workerId: string): PendingEvent {
    return this.#make(type, { workerId } satisfies EventGroupData<'worker'>);
  }

  /** An event carrying a worker's configuration, then `extra`. */
  workerRegistration<T extends EventTypeOf<'workerRegistration'>>(
    type: T,
    worker: WorkerContext,
    queue: (queueId: string) => RouterQueue | undefined,
    extra: EventExtra<T>,
  ): PendingEvent {
    const { config } = worker;
    const data: Record<string, unknown> = {
      workerId: worker.id,
      queueAssignments: config.queues.map((id) => ({ id, name: queue(id)?.name, labels: queue(id)?.labels ?? {} })),
      channelConfigurations: config.channels.map(({ channelId, capacityCostPerJob, maxNumberOfJobs }) => ({
        channelId,
        capacityCostPerJob,
        maxNumberOfJobs,
      })),
      totalCapacity: config.capacity,
      labels: config.labels,
      tags: config.tags,
    } satisfies EventGroupData<'workerRegistration'>;
    return this.#make(type, data, extra);
  }
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

const eventOperators: Record<RouterWorkerSelector['labelOperator'], EventWorkerSelector['labelOperator']> = {
  equal: 'Equal',
  notEqual: 'NotEqual',
  lessThan: 'Less',
  lessThanOrEqual: 'LessThanOrEqual',
  greaterThan: 'Greater',
  greaterThanOrEqual: 'GreaterThanOrEqual',
};

/** A worker selector in Event Grid's shape. */
export function eventSelector(selector: RouterWorkerSelector): EventWorkerSelector {
  return {
    key: selector.key,
    labelOperator: eventOperators[selector.labelOperator],
    labelValue: selector.value,
    ttlSeconds: selector.expiresAfterSeconds,
    state: selector.status ?? 'active',
    expirationTime: selector.expiresAt,
  };
}

/** `queued` → `Queued`: Event Grid spells job statuses in PascalCase. */
export function eventStatus<S extends RouterJobStatus>(status: S): Capitalize<S> {
  return (status.charAt(0).toUpperCase() + status.slice(1)) as Capitalize<S>;
}
