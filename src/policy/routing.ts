/**
 * Where a job goes next once it is created, classified or activated: into its queue, or into waiting, as its matching
 * mode says — and how it leaves matching again.
 */
import type { Engine, JobRecord } from '../engine/engine.ts';
import { schedule, suspend } from './scheduling.ts';

/**
 * Moves a job into `queued` (whose entry announces `RouterJobQueued`) and then into its queue's dispatch order, so
 * that whatever entering the queue sets off (an exception rule's trigger and actions) follows it in the event feed.
 */
export function enqueue(engine: Engine, jobId: string): void {
  engine.sendJob(jobId, { type: 'job.enqueue', at: engine.now() });
  engine.dispatch.enqueue(jobId);
}

/** Puts a job on its way after creation, classification or activation, as its matching mode says. */
export function route(engine: Engine, jobId: string): void {
  const job = engine.job(jobId)!.context.job;
  const mode = job.matchingMode.kind;
  if (mode === 'queueAndMatch') enqueue(engine, jobId);
  // A job whose schedule already came (it was re-classified while waiting) waits again rather than re-scheduling.
  else if (mode === 'suspend' || job.scheduledAt !== undefined) suspend(engine, jobId);
  else schedule(engine, jobId);
}

/** A job leaves matching: its offers are revoked and it leaves its queue's dispatch order. */
export function withdraw(engine: Engine, record: JobRecord, at: number): void {
  engine.offers.revokeOfJob(record.context.job.id, at);
  engine.dispatch.dequeue(record.context.job.id, record.context.job.queueId);
}
