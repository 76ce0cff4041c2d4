/**
 * The load of a crash trial: queues and policies set up first, then admin clients creating, cancelling and deleting
 * jobs, and worker clients registering, reconfiguring and deleting their workers and accepting, declining,
 * completing and closing what they are offered, over REST and WebSocket at once, until told to stop. Every
 * acknowledged change goes into the ledger.
 */
import type { OfferEvent } from '../../src/client/index.ts';
import type { AckLedger, WorkerConfig } from './ledger.ts';
import type { Prng } from './prng.ts';
import { restCaller, wsCaller, type Caller } from './transport.ts';

/** A queue of the trial, with its distribution policy. */
export interface QueuePlan {
  readonly queueId: string;
  readonly policyId: string;
  readonly offerSeconds: number;
  readonly maxConcurrentOffers: number;
}

/** One queue whose offers expire within the trial (so expiry deadlines are live at the kill), one whose offers last. */
export const QUEUES: readonly QueuePlan[] = [
  { queueId: 'q-short', policyId: 'p-short', offerSeconds: 1, maxConcurrentOffers: 2 },
  { queueId: 'q-long', policyId: 'p-long', offerSeconds: 60, maxConcurrentOffers: 1 },
];

export const CHANNEL = 'voice';

/** How far ahead the workload sets deadlines (`scheduleAt`, `closeAt`, `retryOfferAt`), in ms. */
export const DEADLINE_AHEAD_MS = { min: 200, max: 2500 } as const;

export interface WorkloadShape {
  readonly restAdmins: number;
  readonly wsAdmins: number;
  readonly restWorkers: number;
  readonly wsWorkers: number;
}

export const DEFAULT_SHAPE: WorkloadShape = { restAdmins: 2, wsAdmins: 2, restWorkers: 4, wsWorkers: 4 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isoIn = (prng: Prng) => new Date(Date.now() + prng.between(DEADLINE_AHEAD_MS.min, DEADLINE_AHEAD_MS.max)).toISOString();

/** Creates the policies and queues; throws if the server refuses any (the trial cannot start). */
export async function setUpRouting(caller: Caller, ledger: AckLedger): Promise<void> {
  for (const queue of QUEUES) {
    const policy = await caller.call('upsertDistributionPolicy', {
      distributionPolicyId: queue.policyId,
      offerExpiresAfterSeconds: queue.offerSeconds,
      mode: { kind: 'longestIdle', maxConcurrentOffers: queue.maxConcurrentOffers },
    });
    if (policy.kind !== 'ok') throw new Error(`set-up: distribution policy ${queue.policyId}: ${JSON.stringify(policy)}`);
    ledger.policyAcknowledged(queue.policyId, queue.offerSeconds);
    const created = await caller.call('upsertQueue', { queueId: queue.queueId, distributionPolicyId: queue.policyId });
    if (created.kind !== 'ok') throw new Error(`set-up: queue ${queue.queueId}: ${JSON.stringify(created)}`);
    ledger.queueAcknowledged(queue.queueId, queue.policyId);
  }
}

/** A running workload. */
export interface Workload {
  /** Asks every client to stop and resolves when all have (their calls in flight answered or failed). */
  stop(): Promise<void>;
}

interface ClientContext {
  readonly name: string;
  readonly caller: Caller;
  readonly prng: Prng;
  readonly ledger: AckLedger;
  readonly running: () => boolean;
}

/** Connects every client, then lets them loop until `stop`. */
export async function startWorkload(baseUrl: string, ledger: AckLedger, prng: Prng, shape: WorkloadShape = DEFAULT_SHAPE): Promise<Workload> {
  let running = true;
  const clients: Array<{ name: string; caller: Caller; loop: (context: ClientContext) => Promise<void> }> = [];
  const add = async (count: number, face: 'rest' | 'ws', role: 'admin' | 'worker') => {
    for (let i = 0; i < count; i++) {
      const name = `${face}-${role}${i}`;
      const caller = face === 'rest' ? restCaller(baseUrl) : await wsCaller(baseUrl);
      clients.push({ name, caller, loop: role === 'admin' ? adminLoop : workerLoop });
    }
  };
  await add(shape.restAdmins, 'rest', 'admin');
  await add(shape.wsAdmins, 'ws', 'admin');
  await add(shape.restWorkers, 'rest', 'worker');
  await add(shape.wsWorkers, 'ws', 'worker');
  const loops = clients.map(({ name, caller, loop }) =>
    loop({ name, caller, prng: prng.fork(name), ledger, running: () => running }).catch((error: unknown) => {
      throw new Error(`client ${name} failed: ${String(error)}`);
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(clients.map(({ caller }) => caller.close()));
    },
  };
}

/** Creates jobs (some scheduled for a moment inside the trial), cancels some, and deletes finished ones. */
async function adminLoop({ name, caller, prng, ledger, running }: ClientContext): Promise<void> {
  const open: string[] = [];
  let created = 0;
  const take = (list: string[]) => list.splice(prng.int(0, list.length - 1), 1)[0]!;
  while (running()) {
    const action = prng.weighted({ create: 5, cancel: open.length > 0 ? 1.5 : 0, reap: open.length > 0 ? 1 : 0, pause: 1 });
    if (action === 'pause') await sleep(prng.int(1, 15));
    else if (action === 'create') {
      const jobId = `${name}-j${++created}`;
      const scheduled = prng.chance(0.15);
      const outcome = await caller.call('upsertJob', {
        jobId,
        queueId: prng.pick(QUEUES).queueId,
        channelId: CHANNEL,
        priority: prng.int(1, 5),
        ...(scheduled ? { matchingMode: { kind: 'scheduleAndSuspend' as const, scheduleAt: isoIn(prng) } } : {}),
      });
      if (outcome.kind === 'ok') ledger.jobAcknowledged(jobId, { type: 'created' });
      if (outcome.kind === 'unknown') ledger.jobUnanswered(jobId, 'created');
      if (outcome.kind === 'ok') open.push(jobId);
    } else if (action === 'cancel') {
      const jobId = take(open);
      const outcome = await caller.call('cancelJob', { jobId, note: 'crash trial' });
      if (outcome.kind === 'ok') ledger.jobAcknowledged(jobId, { type: 'cancelled' });
      // A job that could not be cancelled (assigned, completed) may still be deleted once it has closed.
      open.push(jobId);
    } else {
      const jobId = take(open);
      const job = await caller.call('getJob', { jobId });
      if (job.kind !== 'ok') continue;
      if (job.result.status !== 'closed' && job.result.status !== 'cancelled') {
        open.push(jobId);
        continue;
      }
      const outcome = await caller.call('deleteJob', { jobId });
      if (outcome.kind === 'ok') ledger.jobAcknowledged(jobId, { type: 'deleted' });
      if (outcome.kind === 'unknown') ledger.jobUnanswered(jobId, 'deleted');
    }
  }
}

interface Held {
  readonly jobId: string;
  completed: boolean;
}

/**
 * Owns one worker: registers it, then accepts, declines or lets expire its offers, completes and closes (now or at
 * a `closeAt`) what it holds, and now and then reconfigures, deregisters or deletes and recreates it. The offers it
 * knows come from pushes over the WebSocket, or from reading the worker over REST.
 */
async function workerLoop({ name, caller, prng, ledger, running }: ClientContext): Promise<void> {
  const workerId = `${name}-w`;
  const capacity = prng.int(1, 3);
  const offers = new Map<string, string>();
  const held = new Map<string, Held>();
  let exists = false;
  const onOffer = (event: OfferEvent) => {
    const offerId = String(event.data['offerId']);
    if (event.type === 'RouterWorkerOfferIssued') offers.set(offerId, String(event.data['jobId']));
    else offers.delete(offerId);
  };

  const upsert = async (config: WorkerConfig): Promise<void> => {
    const outcome = await caller.call('upsertWorker', {
      workerId,
      queues: [...config.queues],
      capacity: config.capacity,
      channels: [{ channelId: CHANNEL, capacityCostPerJob: 1 }],
      labels: { tier: config.tier },
      availableForOffers: config.availableForOffers,
    });
    if (outcome.kind === 'unknown') ledger.workerUnanswered(workerId, config);
    if (outcome.kind !== 'ok') return;
    ledger.workerAcknowledged(workerId, config);
    if (!config.availableForOffers) offers.clear();
    if (!exists && caller.attachWorker !== undefined)
      for (const offer of await caller.attachWorker(workerId, onOffer)) offers.set(offer.offerId, offer.jobId);
    exists = true;
  };
  const randomConfig = (): WorkerConfig => {
    const queues = QUEUES.filter(() => prng.chance(0.7)).map((queue) => queue.queueId);
    return { queues: queues.length > 0 ? queues : [prng.pick(QUEUES).queueId], capacity, availableForOffers: prng.chance(0.85), tier: prng.int(1, 3) };
  };

  await upsert({ ...randomConfig(), availableForOffers: true });
  while (running()) {
    if (!exists) {
      await upsert(randomConfig());
      continue;
    }
    if (caller.face === 'rest') {
      const worker = await caller.call('getWorker', { workerId });
      if (worker.kind === 'ok') {
        offers.clear();
        for (const offer of worker.result.offers) offers.set(offer.offerId, offer.jobId);
      }
    }
    const action = prng.weighted({
      accept: offers.size > 0 ? 6 : 0,
      decline: offers.size > 0 ? 1 : 0,
      complete: [...held.values()].some((job) => !job.completed) ? 2 : 0,
      close: held.size > 0 ? 2 : 0,
      reconfigure: 0.4,
      delete: held.size === 0 ? 0.15 : 0,
      pause: 1.5,
    });
    if (action === 'pause') await sleep(prng.int(1, 15));
    else if (action === 'accept' || action === 'decline') {
      const offerId = prng.pick([...offers.keys()]);
      offers.delete(offerId);
      if (action === 'accept') {
        const outcome = await caller.call('acceptJobOffer', { workerId, offerId });
        if (outcome.kind !== 'ok') continue;
        const { jobId, assignmentId } = outcome.result;
        ledger.jobAcknowledged(jobId, { type: 'accepted', offerId, assignmentId, workerId });
        held.set(assignmentId, { jobId, completed: false });
      } else {
        const retry = prng.chance(0.4) ? { retryOfferAt: isoIn(prng) } : {};
        const outcome = await caller.call('declineJobOffer', { workerId, offerId, ...retry });
        if (outcome.kind === 'ok') ledger.declineAcknowledged(offerId, workerId);
      }
    } else if (action === 'complete' || action === 'close') {
      const candidates = [...held].filter(([, job]) => action === 'close' || !job.completed);
      const [assignmentId, job] = prng.pick(candidates);
      if (action === 'complete') {
        const outcome = await caller.call('completeJob', { jobId: job.jobId, assignmentId });
        if (outcome.kind === 'ok') ledger.jobAcknowledged(job.jobId, { type: 'completed', assignmentId });
        if (outcome.kind === 'ok') job.completed = true;
        else held.delete(assignmentId);
      } else {
        const closeAt = prng.chance(0.3) ? isoIn(prng) : undefined;
        held.delete(assignmentId);
        const outcome = await caller.call('closeJob', { jobId: job.jobId, assignmentId, ...(closeAt === undefined ? {} : { closeAt }) });
        if (outcome.kind === 'ok')
          ledger.jobAcknowledged(job.jobId, { type: 'closed', assignmentId, closeAt: closeAt === undefined ? undefined : Date.parse(closeAt) });
      }
    } else if (action === 'reconfigure') await upsert(randomConfig());
    else {
      const outcome = await caller.call('deleteWorker', { workerId });
      if (outcome.kind === 'unknown') ledger.workerUnanswered(workerId, 'deleted');
      if (outcome.kind !== 'ok') continue;
      ledger.workerAcknowledged(workerId, 'deleted');
      offers.clear();
      exists = false;
    }
  }
}
