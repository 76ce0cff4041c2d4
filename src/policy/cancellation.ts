import type { Engine, JobRecord } from '../engine/engine.ts';
import type { CancelJobOptions } from '../protocol/actions.schemas.ts';
import { withdraw } from './routing.ts';

/**
 * Cancels a job inside a command that already checked the job may be cancelled: by `cancelJob` (src/operations/jobs.ts),
 * and by an exception rule's `cancel` action. It lives with the policy code so that both can use it without the
 * policy layer importing the operations layer.
 */
export function cancelNow(engine: Engine, jobId: string, options: CancelJobOptions): void {
  const at = engine.now();
  const record = engine.job(jobId)!;
  withdraw(engine, record, at);
  releaseAssignment(engine, record, at);
  engine.sendJob(jobId, { type: 'job.cancel', at, note: options.note, dispositionCode: options.dispositionCode });
  for (const prefix of ['schedule', 'close']) engine.deadlines.cancel(`${prefix}:${jobId}`);
}

/** Frees the worker capacity an assignment holds. */
export function releaseAssignment(engine: Engine, record: JobRecord, at: number): void {
  const assignmentId = record.context.assignmentId;
  const workerId = assignmentId === undefined ? undefined : record.context.job.assignments[assignmentId]?.workerId;
  if (assignmentId === undefined || workerId === undefined || !engine.actors.workers.has(workerId)) return;
  engine.actors.sendWorker(workerId, { type: 'worker.release', assignmentId, at });
}
