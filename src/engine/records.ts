import type { JobContext } from '../../machines/job.machine.ts';
import type { WorkerContext } from '../../machines/worker.machine.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { JobPolicyState } from '../policy/job-policy-state.ts';

/** Etag and modification time of a stored resource. */
export interface Versioned {
  readonly etag: string;
  readonly lastModified: number;
}

/** A policy or queue as stored: the wire resource plus its version. */
export interface StoredResource<T> extends Versioned {
  readonly resource: T;
}

/** A job as stored, and as held while passivated: the job machine's snapshot plus what matching needs. */
export interface JobRecord extends Versioned {
  readonly status: RouterJobStatus;
  readonly context: JobContext;
  /** Dispatch order while queued (a global counter, so jobs of different queues compare). */
  readonly enqueueSeq: number;
  /** Workers that declined, with the epoch ms they may be offered the job again (`Infinity` = never). */
  readonly declines?: Readonly<Record<string, number>> | undefined;
  /** What the policy engine keeps about the job (`src/policy/`): classification runs, queue stays. */
  readonly policy?: JobPolicyState | undefined;
}

/** A worker as stored. Offers are not stored on their own: the worker's held offers carry everything to rebuild them. */
export interface WorkerRecord extends Versioned {
  readonly state: 'active' | 'draining' | 'inactive';
  readonly context: WorkerContext;
}
