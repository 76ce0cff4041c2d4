/** Builders for the matching views, with defaults that make a worker eligible for a job unless a test says not. */
import type { ChannelView, JobView, Labels, SelectorView, WorkerView } from '../../src/matching/types.ts';

export interface WorkerSpec {
  readonly id: string;
  readonly labels?: Labels;
  readonly active?: boolean;
  readonly capacity?: number;
  readonly usedCapacity?: number;
  readonly channels?: Readonly<Record<string, ChannelView>>;
  readonly jobsPerChannel?: Readonly<Record<string, number>>;
  readonly queues?: readonly string[];
  readonly offerCount?: number;
  readonly maxConcurrentOffers?: number;
  readonly availableSince?: number;
}

/** A worker on queue `q` with one `chat` channel of cost 1 and capacity 10, unless overridden. */
export function worker(spec: WorkerSpec): WorkerView {
  return {
    id: spec.id,
    labels: { Id: spec.id, ...spec.labels },
    active: spec.active ?? true,
    capacity: spec.capacity ?? 10,
    usedCapacity: spec.usedCapacity ?? 0,
    channels: new Map(Object.entries(spec.channels ?? { chat: { capacityCostPerJob: 1 } })),
    jobsPerChannel: new Map(Object.entries(spec.jobsPerChannel ?? {})),
    queues: new Set(spec.queues ?? ['q']),
    offerCount: spec.offerCount ?? 0,
    maxConcurrentOffers: spec.maxConcurrentOffers,
    availableSince: spec.availableSince ?? 0,
  };
}

export interface JobSpec {
  readonly id?: string;
  readonly queueId?: string;
  readonly channelId?: string;
  readonly priority?: number;
  readonly labels?: Labels;
  readonly selectors?: readonly SelectorView[];
  readonly offeredTo?: readonly string[];
  readonly declinedBy?: readonly string[];
}

/** A job on queue `q`, channel `chat`, no labels or selectors, unless overridden. */
export function job(spec: JobSpec = {}): JobView {
  return {
    id: spec.id ?? 'job-1',
    queueId: spec.queueId ?? 'q',
    channelId: spec.channelId ?? 'chat',
    priority: spec.priority ?? 1,
    enqueueSeq: 0,
    labels: spec.labels ?? {},
    selectors: spec.selectors ?? [],
    offeredTo: new Set(spec.offeredTo ?? []),
    declinedBy: new Set(spec.declinedBy ?? []),
  };
}
