/**
 * Jobs that do not start matching at once (spec §3.1): `suspend` waits for activation; `scheduleAndSuspend` waits
 * on the deadline heap until `scheduleAt` and then for activation. Activation itself is an upsert that switches the
 * matching mode to `queueAndMatch` (`src/operations/jobs.ts`).
 */
import type { Engine, JobRecord } from '../engine/engine.ts';

/**
 * How far ahead a job may be scheduled: Azure's maximum job lifetime of 90 days (spec §4). A job scheduled further
 * out would expire before its time came, so it fails to schedule instead.
 */
const MAX_SCHEDULE_AHEAD_MS = 90 * 24 * 60 * 60 * 1000;

/** Takes a job out of matching until it is activated. */
export function suspend(engine: Engine, jobId: string): void {
  engine.sendJob(jobId, { type: 'job.suspend', at: engine.now() });
}

/**
 * The first step of scheduling, which a create answers with (as Azure does): `pendingSchedule`. {@link schedule}
 * takes it on from there in the same command.
 */
export function enterPendingSchedule(engine: Engine, jobId: string): JobRecord {
  return engine.sendJob(jobId, { type: 'job.schedule', at: engine.now() });
}

/**
 * Schedules a `scheduleAndSuspend` job: `pendingSchedule`, then `scheduled` with the deadline `schedule:<jobId>` at
 * `scheduleAt` (at once when that is already past), or `scheduleFailed` with `RouterJobSchedulingFailed` when
 * `scheduleAt` is more than 90 days ahead (the maximum lifetime of a job).
 */
export function schedule(engine: Engine, jobId: string): void {
  const at = engine.now();
  const record = engine.job(jobId);
  const mode = record?.context.job.matchingMode;
  if (mode?.kind !== 'scheduleAndSuspend') return;
  if (record?.status !== 'pendingSchedule') enterPendingSchedule(engine, jobId);
  const scheduleAt = Date.parse(mode.scheduleAt);
  if (scheduleAt - at > MAX_SCHEDULE_AHEAD_MS) {
    const failureReason = `scheduleAt ${mode.scheduleAt} is more than 90 days ahead, beyond the maximum lifetime of a job`;
    engine.sendJob(jobId, { type: 'job.scheduleFail', scheduledOn: mode.scheduleAt, failureReason, at });
    return;
  }
  engine.sendJob(jobId, { type: 'job.scheduleArmed', at });
  engine.deadlines.arm(`schedule:${jobId}`, Math.max(scheduleAt, at));
}

/** `scheduleAt` came: the job waits for activation, with `scheduledAt` set (spec §3.1). */
export function scheduleDue(engine: Engine, jobId: string, at: number): void {
  if (engine.job(jobId)?.status !== 'scheduled') return;
  engine.sendJob(jobId, { type: 'job.scheduleDue', at });
}
