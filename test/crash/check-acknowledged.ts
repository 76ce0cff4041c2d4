/**
 * Nothing acknowledged is lost: every change the ledger holds as acknowledged is in the restarted server's state
 * (allowing for a later change whose answer never came), and every event a subscriber received is in its history.
 */
import type { RouterJob, RouterJobStatus } from '../../src/protocol/job.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { TrialEvidence } from './evidence.ts';
import type { Finding } from './findings.ts';
import type { JobEntry, JobFact, WorkerConfig, WorkerEntry } from './ledger.ts';

/** How far along its life a job is. Acknowledged transitions only move a job forward in this order. */
export const STATUS_ORDER: Readonly<Record<RouterJobStatus, number>> = {
  created: 0,
  pendingClassification: 0,
  pendingSchedule: 0,
  classificationFailed: 1,
  scheduleFailed: 1,
  scheduled: 1,
  queued: 1,
  waitingForActivation: 1,
  assigned: 2,
  completed: 3,
  closed: 4,
  cancelled: 4,
};

/** The least status order a job must have reached after an acknowledged fact. */
function leastOrder(fact: JobFact): number {
  switch (fact.type) {
    case 'accepted':
      return STATUS_ORDER.assigned;
    case 'completed':
      return STATUS_ORDER.completed;
    case 'closed':
      // A close at a later `closeAt` keeps the job completed until then; whether it fired is a deadline check.
      return fact.closeAt === undefined ? STATUS_ORDER.closed : STATUS_ORDER.completed;
    case 'cancelled':
      return STATUS_ORDER.cancelled;
    default:
      return 0;
  }
}

export function checkAcknowledged(evidence: TrialEvidence): Finding[] {
  const findings: Finding[] = [];
  const lost = (check: string, message: string) => findings.push({ kind: 'lost', check, message });
  const { ledger, snapshot, index } = evidence;

  for (const [policyId, offerSeconds] of ledger.policies)
    if (snapshot.policies.get(policyId) !== offerSeconds)
      lost('acknowledged policy', `distribution policy ${policyId} (offers ${offerSeconds} s): found ${snapshot.policies.get(policyId)}`);
  for (const [queueId, policyId] of ledger.queues)
    if (snapshot.queues.get(queueId) !== policyId) lost('acknowledged queue', `queue ${queueId} (policy ${policyId}): found ${String(snapshot.queues.get(queueId))}`);

  const jobs = new Map(snapshot.jobs.map((job) => [job.id, job]));
  for (const [jobId, entry] of ledger.jobs) for (const message of jobLosses(jobId, entry, jobs.get(jobId))) lost('acknowledged job change', message);

  const workers = new Map(snapshot.workers.map((worker) => [worker.id, worker]));
  for (const [workerId, entry] of ledger.workers) {
    const message = workerLoss(workerId, entry, workers.get(workerId));
    if (message !== undefined) lost('acknowledged worker change', message);
  }

  for (const [offerId, workerId] of ledger.declines)
    if (index.offers.get(offerId)?.end?.type !== 'RouterWorkerOfferDeclined')
      lost('acknowledged decline', `offer ${offerId} declined by ${workerId}: history ends it with ${index.offers.get(offerId)?.end?.type ?? 'nothing'}`);
  for (const entry of ledger.jobs.values())
    for (const fact of entry.acked) {
      if (fact.type !== 'accepted') continue;
      const end = index.offers.get(fact.offerId)?.end;
      if (end?.type !== 'RouterWorkerOfferAccepted' || end.assignmentId !== fact.assignmentId)
        lost('acknowledged accept', `offer ${fact.offerId} accepted as ${fact.assignmentId}: history ends it with ${end?.type ?? 'nothing'} ${end?.assignmentId ?? ''}`);
    }

  for (const seen of evidence.observedBeforeKill) {
    const kept = evidence.history[seen.sequenceNumber - 1];
    if (kept?.id !== seen.id || kept.type !== seen.type || kept.subject !== seen.subject)
      lost('delivered event', `event #${seen.sequenceNumber} ${seen.type} (${seen.subject}) was delivered before the kill; after it: ${kept?.type ?? 'nothing'} ${kept?.subject ?? ''}`);
  }
  return findings;
}

/** What the acknowledged facts of one job say that its restarted state does not. */
function jobLosses(jobId: string, entry: JobEntry, job: RouterJob | undefined): string[] {
  const deleted = entry.acked.some((fact) => fact.type === 'deleted');
  if (deleted) return job === undefined ? [] : [`job ${jobId}: its delete was acknowledged, but it is there (${job.status})`];
  if (job === undefined)
    return entry.acked.length === 0 || entry.maybeDeleted ? [] : [`job ${jobId}: acknowledged (${entry.acked.map((fact) => fact.type).join(', ')}) but absent`];
  const losses: string[] = [];
  for (const fact of entry.acked) {
    const order = leastOrder(fact);
    if (STATUS_ORDER[job.status] < order) losses.push(`job ${jobId}: ${fact.type} acknowledged, but it is ${job.status}`);
    if (fact.type === 'cancelled' && job.status !== 'cancelled') losses.push(`job ${jobId}: cancel acknowledged, but it is ${job.status}`);
    if (fact.type === 'closed' && fact.closeAt === undefined && job.status !== 'closed') losses.push(`job ${jobId}: close acknowledged, but it is ${job.status}`);
    if (!('assignmentId' in fact)) continue;
    const assignment = job.assignments[fact.assignmentId];
    if (assignment === undefined) losses.push(`job ${jobId}: ${fact.type} of assignment ${fact.assignmentId} acknowledged, but the job has no such assignment`);
    else if (fact.type === 'accepted' && assignment.workerId !== fact.workerId)
      losses.push(`job ${jobId}: assignment ${fact.assignmentId} accepted by ${fact.workerId}, but it names ${assignment.workerId}`);
    else if (fact.type === 'completed' && assignment.completedAt === undefined)
      losses.push(`job ${jobId}: completion of ${fact.assignmentId} acknowledged, but it has no completedAt`);
    else if (fact.type === 'closed' && fact.closeAt === undefined && assignment.closedAt === undefined)
      losses.push(`job ${jobId}: close of ${fact.assignmentId} acknowledged, but it has no closedAt`);
  }
  return losses;
}

function configOf(worker: RouterWorker): WorkerConfig {
  return { queues: [...worker.queues].sort(), capacity: worker.capacity, availableForOffers: worker.availableForOffers, tier: Number(worker.labels['tier']) };
}

const sameConfig = (a: WorkerConfig, b: WorkerConfig) => JSON.stringify({ ...a, queues: [...a.queues].sort() }) === JSON.stringify({ ...b, queues: [...b.queues].sort() });

/** The worker must be as its last acknowledged change left it, or as a later unanswered change would. */
function workerLoss(workerId: string, entry: WorkerEntry, worker: RouterWorker | undefined): string | undefined {
  const possible = [...(entry.acked === undefined ? [undefined] : [entry.acked]), ...entry.unanswered];
  const found = worker === undefined ? 'deleted' : configOf(worker);
  const matches = possible.some((change) =>
    change === undefined ? found === 'deleted' : change === 'deleted' || found === 'deleted' ? change === found : sameConfig(change, found),
  );
  if (matches || entry.acked === undefined) return undefined;
  return `worker ${workerId}: last acknowledged ${JSON.stringify(entry.acked)}${entry.unanswered.length > 0 ? ` (or unanswered ${JSON.stringify(entry.unanswered)})` : ''}, found ${JSON.stringify(found)}`;
}
