import type { JobData } from '../../machines/job.machine.ts';
import type { WorkerContext } from '../../machines/worker.machine.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { RouterQueue } from '../protocol/queue.schemas.ts';
import type { RouterEvent, RouterEventType } from '../protocol/events.schemas.ts';
import { toIso } from '../time.ts';

/** An event before the log numbers it. */
export type PendingEvent = Omit<RouterEvent, 'sequenceNumber'>;

/**
 * Builders for the events of spec §3.8 with Azure's data fields. Event Grid keeps the preview vocabulary
 * (`totalCapacity`, `queueAssignments`, PascalCase statuses and operators), so these do too.
 */
export class EventFactory {
  readonly #newId: () => string;
  readonly #now: () => number;

  constructor(newId: () => string, now: () => number) {
    this.#newId = newId;
    this.#now = now;
  }

  make(type: RouterEventType, subject: string, data: Record<string, unknown>): PendingEvent {
    return { id: this.#newId(), type, subject, time: toIso(this.#now()), data };
  }

  job(type: RouterEventType, job: JobData, extra?: Record<string, unknown>, subjectTail = ''): PendingEvent {
    const data = jobCommon(job);
    if (extra) Object.assign(data, extra);
    return this.make(type, jobSubject(job) + subjectTail, data);
  }

  worker(type: RouterEventType, workerId: string, job: JobData | undefined, extra?: Record<string, unknown>): PendingEvent {
    const subject = job ? `worker/${workerId}/job/${job.id}` : `worker/${workerId}`;
    const data: Record<string, unknown> = job
      ? { workerId, jobId: job.id, channelReference: job.channelReference, channelId: job.channelId }
      : { workerId };
    if (extra) Object.assign(data, extra);
    return this.make(type, subject, data);
  }

  workerRegistration(
    type: RouterEventType,
    worker: WorkerContext,
    queue: (queueId: string) => RouterQueue | undefined,
    extra: Record<string, unknown> = {},
  ): PendingEvent {
    const { config } = worker;
    return this.worker(type, worker.id, undefined, {
      queueAssignments: config.queues.map((id) => ({ id, name: queue(id)?.name, labels: queue(id)?.labels ?? {} })),
      channelConfigurations: config.channels.map(({ channelId, capacityCostPerJob, maxNumberOfJobs }) => ({
        channelId,
        capacityCostPerJob,
        maxNumberOfJobs,
      })),
      totalCapacity: config.capacity,
      labels: config.labels,
      tags: config.tags,
      ...extra,
    });
  }
}

function jobSubject(job: JobData): string {
  return `job/${job.id}/channel/${job.channelId ?? ''}`;
}

function jobCommon(job: JobData): Record<string, unknown> {
  return {
    jobId: job.id,
    channelReference: job.channelReference,
    channelId: job.channelId,
    queueId: job.queueId,
    labels: job.labels,
    tags: job.tags,
  };
}

const eventOperators: Record<RouterWorkerSelector['labelOperator'], string> = {
  equal: 'Equal',
  notEqual: 'NotEqual',
  lessThan: 'Less',
  lessThanOrEqual: 'LessThanOrEqual',
  greaterThan: 'Greater',
  greaterThanOrEqual: 'GreaterThanOrEqual',
};

/** A worker selector in Event Grid's shape. */
export function eventSelector(selector: RouterWorkerSelector): Record<string, unknown> {
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
export function eventStatus(status: RouterJobStatus): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}
