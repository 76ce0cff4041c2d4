/**
 * Nothing half-applied, and the invariants hold in the restarted state: a job's assignment and its worker's agree,
 * a job is held by at most one worker, no worker holds more than its capacity, offers are exactly those the history
 * leaves live, and every job, assignment and deletion in the state has its event in the history and the reverse.
 */
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { TrialEvidence } from './evidence.ts';
import type { Finding } from './findings.ts';
import { QUEUES } from './workload.ts';

type Report = (check: string, message: string) => void;

export function checkConsistency(evidence: TrialEvidence): Finding[] {
  const findings: Finding[] = [...evidence.index.findings];
  const report: Report = (check, message) => findings.push({ kind: 'violation', check, message });
  const { snapshot } = evidence;
  const jobs = new Map(snapshot.jobs.map((job) => [job.id, job]));
  for (const worker of snapshot.workers) checkWorker(worker, jobs, report);
  checkAssignments(snapshot.jobs, snapshot.workers, report);
  checkOffers(evidence, jobs, report);
  checkJobsAgainstHistory(evidence, report);
  checkContinuation(evidence, report);
  return findings;
}

/** Capacity is never exceeded, the state follows registration, and a worker holds one offer per job at most. */
function checkWorker(worker: RouterWorker, jobs: ReadonlyMap<string, RouterJob>, report: Report): void {
  const where = `worker ${worker.id} (capacity ${worker.capacity}, ${worker.offers.length} offers, ${worker.assignedJobs.length} assigned)`;
  const used = [...worker.offers, ...worker.assignedJobs].reduce((sum, held) => sum + held.capacityCost, 0);
  if (used > worker.capacity) report('capacity', `${where} uses ${used}`);
  const state = worker.availableForOffers ? 'active' : worker.assignedJobs.length > 0 ? 'draining' : 'inactive';
  if (worker.state !== state) report('worker state', `${where} is ${worker.state}, availableForOffers ${worker.availableForOffers}`);
  if (worker.state !== 'active' && worker.offers.length > 0) report('worker state', `${where} is ${worker.state} and holds offers`);
  if (new Set(worker.offers.map((offer) => offer.jobId)).size !== worker.offers.length) report('one offer per job', `${where} holds two offers for one job`);
  for (const offer of worker.offers) {
    const job = jobs.get(offer.jobId);
    if (job?.status !== 'queued') report('offer of a queued job', `${where}: offer ${offer.offerId} for job ${offer.jobId}, which is ${job?.status ?? 'absent'}`);
  }
}

/** A job in force (assigned, completed) has one open assignment, held by exactly the worker it names; others by none. */
function checkAssignments(jobs: readonly RouterJob[], workers: readonly RouterWorker[], report: Report): void {
  const holders = new Map<string, string[]>();
  for (const worker of workers)
    for (const held of worker.assignedJobs) holders.set(held.jobId, [...(holders.get(held.jobId) ?? []), `${worker.id}/${held.assignmentId}`]);
  const known = new Set(jobs.map((job) => job.id));
  for (const job of jobs) {
    const held = holders.get(job.id) ?? [];
    if (job.status !== 'assigned' && job.status !== 'completed') {
      if (held.length > 0) report('single assignment', `job ${job.id} is ${job.status} but held by ${held.join(', ')}`);
      continue;
    }
    const open = Object.values(job.assignments).filter((assignment) => assignment.closedAt === undefined);
    const expected = open.map((assignment) => `${assignment.workerId}/${assignment.assignmentId}`);
    if (open.length !== 1 || held.length !== 1 || held[0] !== expected[0])
      report('single assignment', `job ${job.id} (${job.status}) has open assignments [${expected.join(', ')}], held by [${held.join(', ')}]`);
  }
  for (const [jobId, held] of holders) if (!known.has(jobId)) report('single assignment', `${held.join(', ')} hold job ${jobId}, which does not exist`);
}

/** The offers workers hold are exactly those the history leaves live, within each job's policy maximum. */
function checkOffers({ snapshot, index }: TrialEvidence, jobs: ReadonlyMap<string, RouterJob>, report: Report): void {
  const live = index.liveAt(snapshot.cutSequence);
  const shown = new Set<string>();
  const perJob = new Map<string, number>();
  for (const worker of snapshot.workers)
    for (const offer of worker.offers) {
      shown.add(offer.offerId);
      perJob.set(offer.jobId, (perJob.get(offer.jobId) ?? 0) + 1);
      const life = live.get(offer.offerId);
      if (life?.workerId !== worker.id || life.jobId !== offer.jobId)
        report('offers match history', `worker ${worker.id} holds offer ${offer.offerId} (job ${offer.jobId}), which the history has ${life === undefined ? 'not live' : `for ${life.workerId}`}`);
    }
  for (const life of live.values())
    if (!shown.has(life.offerId)) report('offers match history', `offer ${life.offerId} (job ${life.jobId}, worker ${life.workerId}) is live in the history but held by no worker`);
  for (const [jobId, count] of perJob) {
    const queueId = jobs.get(jobId)?.queueId;
    const most = QUEUES.find((queue) => queue.queueId === queueId)?.maxConcurrentOffers ?? 1;
    if (count > most) report('concurrent offers', `job ${jobId} in ${queueId} has ${count} offers, more than ${most}`);
  }
}

/** Each job, assignment and deletion in the state agrees with its events. */
function checkJobsAgainstHistory({ snapshot, index, history }: TrialEvidence, report: Report): void {
  const jobs = new Map(snapshot.jobs.map((job) => [job.id, job]));
  for (const job of snapshot.jobs) {
    if (!index.saw(`RouterJobReceived|${job.id}`)) report('job has its events', `job ${job.id} (${job.status}) exists, but the history never received it`);
    if (job.status === 'cancelled' && !index.saw(`RouterJobCancelled|${job.id}`)) report('job has its events', `job ${job.id} is cancelled without RouterJobCancelled`);
    for (const assignment of Object.values(job.assignments)) {
      const accepted = [...index.offers.values()].some((life) => life.end?.assignmentId === assignment.assignmentId && life.jobId === job.id);
      if (!accepted) report('job has its events', `job ${job.id} has assignment ${assignment.assignmentId}, which no accepted offer made`);
      if ((assignment.closedAt !== undefined) !== index.saw(`RouterJobClosed|${assignment.assignmentId}`))
        report('job has its events', `job ${job.id} assignment ${assignment.assignmentId}: closedAt ${assignment.closedAt ?? 'unset'}, RouterJobClosed ${index.saw(`RouterJobClosed|${assignment.assignmentId}`) ? 'seen' : 'not seen'}`);
    }
  }
  for (const life of index.offers.values()) {
    const job = jobs.get(life.jobId);
    const assignmentId = life.end?.assignmentId;
    if (assignmentId !== undefined && life.end!.sequence <= snapshot.cutSequence && job !== undefined && job.assignments[assignmentId]?.workerId !== life.workerId)
      report('job has its events', `offer ${life.offerId} was accepted as ${assignmentId} by ${life.workerId}, but job ${life.jobId} has no such assignment`);
  }
  for (const event of history) {
    if (event.sequenceNumber > snapshot.cutSequence) break;
    const jobId = String(event.data['jobId']);
    if (event.type === 'RouterJobDeleted' && jobs.has(jobId)) report('job has its events', `job ${jobId} was deleted at #${event.sequenceNumber} but exists`);
    if (event.type === 'RouterJobReceived' && !jobs.has(jobId) && !index.saw(`RouterJobDeleted|${jobId}`))
      report('job has its events', `job ${jobId} was received at #${event.sequenceNumber}, never deleted, and is gone`);
  }
}

/** The second server numbers on from the first one's head: every event of the first comes before every event of the second. */
function checkContinuation({ history, restartedAt, snapshot }: TrialEvidence, report: Report): void {
  let lastBefore = 0;
  let firstAfter: number | undefined;
  for (const event of history) {
    if (Date.parse(event.time) < restartedAt) lastBefore = Math.max(lastBefore, event.sequenceNumber);
    else firstAfter ??= event.sequenceNumber;
  }
  if (firstAfter === undefined || firstAfter > snapshot.cutSequence) report('numbering continues', `no event of the restarted server up to #${snapshot.cutSequence}`);
  else if (firstAfter !== lastBefore + 1) report('numbering continues', `the first server's events end at #${lastBefore}, the restarted server's start at #${firstAfter}`);
}
