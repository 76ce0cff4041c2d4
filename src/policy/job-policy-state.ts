/**
 * What the policy engine remembers about a job between commands. It is kept on the job's record (not in the job
 * machine, whose context is the wire resource) so that it is committed and restored with the job.
 */
export interface JobPolicyState {
  /** Counts classification runs: a result that arrives for an earlier run is dropped. */
  readonly classificationRun?: number | undefined;
  /**
   * The job's queue was chosen by classification, so a later classification may move it. Absent with a `queueId`
   * means the caller (or a `manualReclassify` action) set the queue, and classification keeps it (spec §3.6).
   */
  readonly queueFromClassification?: boolean | undefined;
  /** The job's current stay in one queue, for exception rules (spec §3.7). */
  readonly visit?: QueueVisit | undefined;
}

/**
 * A stay in one queue: from entering it until the job is assigned or enters another queue. Re-queueing into the same
 * queue (after a re-classification or an exception action) continues the stay, so a rule cannot fire twice for it
 * and an action that leaves the job where it was cannot loop.
 */
export interface QueueVisit {
  readonly queueId: string;
  /** Epoch ms the stay began; wait-time triggers count from here. */
  readonly since: number;
  /** Ids of the exception rules that already fired during this stay. */
  readonly fired: readonly string[];
}

/**
 * What the policy functions below need of the engine: its job records and the setter for their policy state.
 * Written as a shape rather than importing `Engine`, so this module stays a leaf the engine's records can import.
 */
export interface PolicyStateHolder {
  job(jobId: string): { readonly policy?: JobPolicyState | undefined } | undefined;
  setPolicyState(jobId: string, policy: JobPolicyState): void;
}

/** The policy state of a job (empty for a job the policy engine never touched). */
export function policyState(engine: PolicyStateHolder, jobId: string): JobPolicyState {
  return engine.job(jobId)?.policy ?? {};
}

/** Merges `changes` into the policy state of a job. */
export function updatePolicyState(engine: PolicyStateHolder, jobId: string, changes: Partial<JobPolicyState>): void {
  engine.setPolicyState(jobId, { ...policyState(engine, jobId), ...changes });
}
