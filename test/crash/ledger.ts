/**
 * The acknowledgement ledger: every change the server acknowledged during a trial, with what it implies, and the
 * changes whose answer never came (the server died first), which may or may not have been applied. The checks
 * after the restart hold the server to the first and allow for the second.
 */

/** What a worker's upsert set, in the fields the harness compares after the restart. */
export interface WorkerConfig {
  readonly queues: readonly string[];
  readonly capacity: number;
  readonly availableForOffers: boolean;
  readonly tier: number;
}

/** An acknowledged change to a job. Facts only accumulate: a job's history never goes back. */
export type JobFact =
  | { readonly type: 'created' }
  | { readonly type: 'accepted'; readonly offerId: string; readonly assignmentId: string; readonly workerId: string }
  | { readonly type: 'completed'; readonly assignmentId: string }
  | { readonly type: 'closed'; readonly assignmentId: string; readonly closeAt?: number | undefined }
  | { readonly type: 'cancelled' }
  | { readonly type: 'deleted' };

export interface JobEntry {
  readonly acked: JobFact[];
  /** A create or delete whose answer never came. */
  maybeCreated: boolean;
  maybeDeleted: boolean;
}

export interface WorkerEntry {
  /** The last acknowledged upsert's configuration, or `deleted`; undefined before the first acknowledgement. */
  acked: WorkerConfig | 'deleted' | undefined;
  /** Changes sent after `acked` whose answer never came: any of them may be the worker's state now. */
  readonly unanswered: Array<WorkerConfig | 'deleted'>;
}

export class AckLedger {
  readonly jobs = new Map<string, JobEntry>();
  readonly workers = new Map<string, WorkerEntry>();
  /** Acknowledged distribution policies: id → offer expiry in seconds. */
  readonly policies = new Map<string, number>();
  /** Acknowledged queues: id → distribution policy id. */
  readonly queues = new Map<string, string>();
  /** Acknowledged declines: offer id → worker id. */
  readonly declines = new Map<string, string>();
  /** How many changes were acknowledged. */
  acknowledged = 0;

  #job(jobId: string): JobEntry {
    let entry = this.jobs.get(jobId);
    if (entry === undefined) this.jobs.set(jobId, (entry = { acked: [], maybeCreated: false, maybeDeleted: false }));
    return entry;
  }

  #worker(workerId: string): WorkerEntry {
    let entry = this.workers.get(workerId);
    if (entry === undefined) this.workers.set(workerId, (entry = { acked: undefined, unanswered: [] }));
    return entry;
  }

  jobAcknowledged(jobId: string, fact: JobFact): void {
    this.acknowledged++;
    this.#job(jobId).acked.push(fact);
  }

  /** A job create or delete got no answer. Other unanswered job changes imply nothing the checks rely on. */
  jobUnanswered(jobId: string, type: 'created' | 'deleted'): void {
    const entry = this.#job(jobId);
    if (type === 'created') entry.maybeCreated = true;
    else entry.maybeDeleted = true;
  }

  /** Worker changes are sent one at a time by the worker's owner, so a later acknowledgement supersedes earlier ones. */
  workerAcknowledged(workerId: string, change: WorkerConfig | 'deleted'): void {
    this.acknowledged++;
    const entry = this.#worker(workerId);
    entry.acked = change;
    entry.unanswered.length = 0;
  }

  workerUnanswered(workerId: string, change: WorkerConfig | 'deleted'): void {
    this.#worker(workerId).unanswered.push(change);
  }

  declineAcknowledged(offerId: string, workerId: string): void {
    this.acknowledged++;
    this.declines.set(offerId, workerId);
  }

  policyAcknowledged(policyId: string, offerSeconds: number): void {
    this.acknowledged++;
    this.policies.set(policyId, offerSeconds);
  }

  queueAcknowledged(queueId: string, policyId: string): void {
    this.acknowledged++;
    this.queues.set(queueId, policyId);
  }
}
