/**
 * Deadlines fire after the restart, once: offers that were live when the server was killed end by their expiry
 * (firing late for those that fell due while it was down), scheduled jobs reach `waitingForActivation`, and closes
 * acknowledged for a later `closeAt` happen. "Once" is the history's part (an offer ends once, a job is scheduled
 * and an assignment closed at most once, see event-index.ts); this is the "fires" part.
 */
import type { TrialEvidence } from './evidence.ts';
import type { Finding } from './findings.ts';

/** How late a deadline may fire and still count as on time, on a loaded machine. */
export const DEADLINE_GRACE_MS = 1000;

export interface DeadlineReport {
  readonly findings: Finding[];
  /** Deadlines pending when the server was killed that were due by the snapshot, so checked. */
  readonly checked: number;
}

export function checkDeadlines({ snapshot, index, ledger, restartedAt }: TrialEvidence): DeadlineReport {
  const findings: Finding[] = [];
  let checked = 0;
  const due = (at: number) => at + DEADLINE_GRACE_MS <= snapshot.at;
  const report = (message: string) => findings.push({ kind: 'violation', check: 'deadlines fire', message });

  for (const life of index.offers.values()) {
    const liveAtKill = life.issuedAt < restartedAt && (life.end === undefined || life.end.at >= restartedAt);
    if (!liveAtKill || life.expiresAt === undefined || !due(life.expiresAt)) continue;
    checked++;
    if (life.end === undefined || life.end.sequence > snapshot.cutSequence)
      report(`offer ${life.offerId} (job ${life.jobId}, worker ${life.workerId}) live at the kill, due ${new Date(life.expiresAt).toISOString()}, has not ended`);
  }

  for (const job of snapshot.jobs) {
    if (job.matchingMode?.kind !== 'scheduleAndSuspend') continue;
    const scheduleAt = Date.parse(job.matchingMode.scheduleAt);
    if (!due(scheduleAt) || scheduleAt < restartedAt - 60_000) continue;
    checked++;
    if (job.status === 'pendingSchedule' || job.status === 'scheduled') report(`job ${job.id} scheduled for ${job.matchingMode.scheduleAt} is still ${job.status}`);
    if (job.status === 'waitingForActivation' && (job.scheduledAt === undefined || !index.saw(`RouterJobWaitingForActivation|${job.id}`)))
      report(`job ${job.id} is waiting for activation without scheduledAt (${job.scheduledAt}) or its RouterJobWaitingForActivation event`);
  }

  const jobs = new Map(snapshot.jobs.map((job) => [job.id, job]));
  for (const [jobId, entry] of ledger.jobs)
    for (const fact of entry.acked) {
      if (fact.type !== 'closed' || fact.closeAt === undefined || !due(fact.closeAt)) continue;
      const job = jobs.get(jobId);
      if (job === undefined) continue;
      checked++;
      if (job.status !== 'closed' || job.assignments[fact.assignmentId]?.closedAt === undefined || !index.saw(`RouterJobClosed|${fact.assignmentId}`))
        report(`job ${jobId}: close of ${fact.assignmentId} at ${new Date(fact.closeAt).toISOString()} acknowledged; the job is ${job.status}, closedAt ${job.assignments[fact.assignmentId]?.closedAt ?? 'unset'}`);
    }
  return { findings, checked };
}
