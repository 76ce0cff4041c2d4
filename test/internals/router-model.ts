/**
 * Random command sequences for the router property test: what the commands are, how fast-check generates them, and
 * how one is carried out against a live router. A command names its target by a small index that is resolved
 * against what the router shows at that moment (the k-th live offer, the k-th assigned job), so every generated
 * sequence stays meaningful however earlier commands turned out, and shrinks well.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { RouterError } from '../../src/errors.ts';
import { rankWorkers } from '../../src/matching/distribution.ts';
import type { JobView, LabelOperator } from '../../src/matching/types.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { ModeKind } from '../support/builders.ts';
import { openTestRouter, type TestRouter } from '../support/router-fixture.ts';
import { visibleState } from '../support/state-snapshot.ts';
import { checkInvariants, EventLedger, type Expectations } from './router-invariants.ts';

const WORKERS = ['w0', 'w1', 'w2', 'w3', 'w4'] as const;
const QUEUES = ['q0', 'q1'] as const;
const POLICIES = ['dp0', 'dp1', 'dp2'] as const;
const CHANNELS = ['voice', 'chat'] as const;
export const MODES: readonly ModeKind[] = ['bestWorker', 'longestIdle', 'roundRobin'];

type Value = string | number | boolean;
type Selector = {
  readonly key: string;
  readonly labelOperator: string;
  readonly value: Value;
  readonly expedite?: boolean;
  readonly expiresAfterSeconds?: number;
};

/** The label vocabulary selectors and worker labels draw from, small so that matches and misses both happen. */
const SELECTORS: readonly Selector[] = [
  { key: 'lang', labelOperator: 'equal', value: 'en' },
  { key: 'lang', labelOperator: 'notEqual', value: 'fr' },
  { key: 'level', labelOperator: 'greaterThanOrEqual', value: 2 },
  { key: 'level', labelOperator: 'lessThan', value: 2 },
  { key: 'Id', labelOperator: 'equal', value: 'w1' },
  { key: 'lang', labelOperator: 'equal', value: 'fr', expedite: true },
  { key: 'level', labelOperator: 'greaterThanOrEqual', value: 3, expiresAfterSeconds: 20 },
];

export interface PolicySpec {
  readonly mode: ModeKind;
  readonly minConcurrentOffers: number;
  readonly maxConcurrentOffers: number;
  readonly offerExpiresAfterSeconds: number | undefined;
}

export interface WorkerConfig {
  readonly capacity: number;
  readonly channels: ReadonlyArray<{ channelId: string; capacityCostPerJob: number; maxNumberOfJobs?: number }>;
  readonly queues: readonly string[];
  /** `null` removes a label (merge patch). */
  readonly labels: Readonly<Record<string, Value | null>>;
  readonly availableForOffers: boolean;
  readonly maxConcurrentOffers: number | undefined;
}

export type Op =
  | { readonly kind: 'upsertPolicy'; readonly policy: number; readonly spec: PolicySpec }
  | { readonly kind: 'deletePolicy'; readonly policy: number }
  | { readonly kind: 'upsertQueue'; readonly queue: number; readonly policy: number }
  | { readonly kind: 'deleteQueue'; readonly queue: number }
  | { readonly kind: 'upsertWorker'; readonly worker: number; readonly config: WorkerConfig }
  | { readonly kind: 'setAvailable'; readonly worker: number; readonly available: boolean }
  | { readonly kind: 'deleteWorker'; readonly worker: number }
  | {
      readonly kind: 'createJob';
      readonly queue: number;
      readonly channel: string;
      readonly priority: number;
      readonly selectors: readonly Selector[];
      readonly matching: 'queueAndMatch' | 'suspend' | { readonly scheduleAfterMs: number };
    }
  | { readonly kind: 'reprioritise'; readonly pick: number; readonly priority: number }
  | { readonly kind: 'moveJob'; readonly pick: number; readonly queue: number }
  | { readonly kind: 'setMatching'; readonly pick: number; readonly mode: 'queueAndMatch' | 'suspend' }
  | { readonly kind: 'accept'; readonly pick: number }
  | { readonly kind: 'acceptEnded'; readonly pick: number }
  | { readonly kind: 'race'; readonly pick: number; readonly rival: Rival }
  | { readonly kind: 'decline'; readonly pick: number; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'complete'; readonly pick: number }
  | { readonly kind: 'close'; readonly pick: number; readonly closeAfterMs: number | undefined }
  | { readonly kind: 'unassign'; readonly pick: number; readonly suspendMatching: boolean }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'deleteJob'; readonly pick: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'restart' };

/** What is sent in the same tick as accepting an offer, without waiting for the accept to be acknowledged. */
type Rival = 'acceptOthers' | 'decline' | 'cancel' | 'deregister' | 'unassign';
const RIVALS: readonly Rival[] = ['acceptOthers', 'decline', 'cancel', 'deregister', 'unassign'];

// ------------------------------------------------------------------------------------------------ arbitraries

const pick = fc.nat({ max: 15 });
const index = (list: readonly unknown[]) => fc.nat({ max: list.length - 1 });

const policySpecArb: fc.Arbitrary<PolicySpec> = fc
  .record({
    mode: fc.constantFrom(...MODES),
    a: fc.integer({ min: 1, max: 3 }),
    b: fc.integer({ min: 1, max: 3 }),
    offerExpiresAfterSeconds: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined, freq: 2 }),
  })
  .map(({ mode, a, b, offerExpiresAfterSeconds }) => ({
    mode,
    minConcurrentOffers: Math.min(a, b),
    maxConcurrentOffers: Math.max(a, b),
    offerExpiresAfterSeconds,
  }));

const channelsArb = fc
  .subarray([...CHANNELS], { minLength: 1 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((channelId) =>
        fc.record(
          {
            channelId: fc.constant(channelId),
            capacityCostPerJob: fc.integer({ min: 0, max: 6 }),
            maxNumberOfJobs: fc.integer({ min: 1, max: 3 }),
          },
          { requiredKeys: ['channelId', 'capacityCostPerJob'] },
        ),
      ),
    ),
  );

const workerConfigArb: fc.Arbitrary<WorkerConfig> = fc.record({
  capacity: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 9, arbitrary: fc.integer({ min: 1, max: 12 }) }),
  channels: channelsArb,
  queues: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 9, arbitrary: fc.subarray([...QUEUES], { minLength: 1 }) }),
  labels: fc.record(
    { lang: fc.constantFrom<Value | null>('en', 'fr', null), level: fc.constantFrom<Value | null>(0, 1, 2, 3, null) },
    { requiredKeys: [] },
  ),
  availableForOffers: fc.oneof({ weight: 1, arbitrary: fc.constant(false) }, { weight: 3, arbitrary: fc.constant(true) }),
  maxConcurrentOffers: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});

const jobArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('createJob' as const),
  queue: index(QUEUES),
  channel: fc.constantFrom(...CHANNELS),
  priority: fc.integer({ min: -2, max: 2 }),
  selectors: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray([...SELECTORS], { maxLength: 2 }) }),
  matching: fc.oneof(
    { weight: 8, arbitrary: fc.constant('queueAndMatch' as const) },
    { weight: 1, arbitrary: fc.constant('suspend' as const) },
    { weight: 1, arbitrary: fc.record({ scheduleAfterMs: fc.integer({ min: 0, max: 60_000 }) }) },
  ),
});

const laterMs = fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined, freq: 2 });

/** Commands, weighted towards the ones that move jobs and offers along. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('upsertPolicy' as const), policy: index(POLICIES), spec: policySpecArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('upsertQueue' as const), queue: index(QUEUES), policy: index(POLICIES) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('upsertWorker' as const), worker: index(WORKERS), config: workerConfigArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('setAvailable' as const), worker: index(WORKERS), available: fc.boolean() }) },
  { weight: 6, arbitrary: jobArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprioritise' as const), pick, priority: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('moveJob' as const), pick, queue: index(QUEUES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setMatching' as const), pick, mode: fc.constantFrom('queueAndMatch' as const, 'suspend' as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('acceptEnded' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('race' as const), pick, rival: fc.constantFrom(...RIVALS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decline' as const), pick, retryAfterMs: laterMs }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('close' as const), pick, closeAfterMs: laterMs }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unassign' as const), pick, suspendMatching: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteJob' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteWorker' as const), worker: index(WORKERS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deletePolicy' as const), policy: index(POLICIES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteQueue' as const), queue: index(QUEUES) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 60_000 })) }) },
);

/** The starting configuration: three policies, each queue under one of them, and the first few workers. */
export const setupArb = fc.record({
  policies: fc.tuple(policySpecArb, policySpecArb, policySpecArb),
  queuePolicies: fc.tuple(index(POLICIES), index(POLICIES)),
  workers: fc.array(workerConfigArb, { minLength: 1, maxLength: WORKERS.length }),
});

/** Long enough for jobs to travel from creation to close, with offers expiring and workers coming and going. */
export const opsArb = fc.array(opArb, { minLength: 10, maxLength: 60 });
export type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

// ------------------------------------------------------------------------------------------------ execution

/** The router under test and what the test knows that the router does not tell. */
export interface World extends Expectations {
  /** The router currently open on `store`; a restart replaces it. */
  session: TestRouter;
  readonly store: MemoryStore;
  readonly jobIds: Set<string>;
  readonly ledger: EventLedger;
  nextJob: number;
  restarts: number;
}

export async function openWorld(setup: Setup): Promise<World> {
  // Through JSON, so every restart reads back exactly what a durable store would have persisted.
  const store = new MemoryStore({ json: true });
  const session = await openTestRouter({ store });
  await applySetup(session.router, setup);
  return { session, store, jobIds: new Set(), reconfiguredWhileBusy: new Set(), ledger: new EventLedger(), nextJob: 0, restarts: 0 };
}

/**
 * Closes the router and opens another on the same store and clock, replaying the whole event history into the new
 * session so the ledger reads on without a seam. What a caller sees must not change across the restart.
 */
async function restart(world: World): Promise<void> {
  const before = await visibleState(world.session.router);
  await world.session.router.close();
  world.session = await openTestRouter({
    store: world.store,
    clock: world.session.clock,
    idPrefix: `r${++world.restarts}-`,
    fromSequence: 1,
  });
  expect(await visibleState(world.session.router), 'a restart changes nothing a caller sees').toEqual(before);
  // A restart does not match again (Engine.settleRestoredQueues): that is only right if what was stored is at
  // matching's fixpoint, so asking every job, and every worker registered on a queue, to match now must offer nothing.
  const { engine } = world.session.router;
  await engine.command(() => {
    for (const jobId of engine.actors.jobs.keys()) engine.matching.job(jobId);
    for (const queueId of engine.catalogue.queues.keys()) engine.matching.queue(queueId);
  });
  expect(await visibleState(world.session.router), 'matching everything again after a restart offers nothing more').toEqual(before);
}

function policyBody(spec: PolicySpec): Record<string, unknown> {
  return {
    ...(spec.offerExpiresAfterSeconds === undefined ? {} : { offerExpiresAfterSeconds: spec.offerExpiresAfterSeconds }),
    mode: { kind: spec.mode, minConcurrentOffers: spec.minConcurrentOffers, maxConcurrentOffers: spec.maxConcurrentOffers },
  };
}

async function applySetup(router: Router, setup: Setup): Promise<void> {
  for (const [i, spec] of setup.policies.entries()) await router.upsertDistributionPolicy(POLICIES[i]!, policyBody(spec));
  for (const [i, policy] of setup.queuePolicies.entries())
    await router.upsertQueue(QUEUES[i]!, { distributionPolicyId: POLICIES[policy]! });
  for (const [i, config] of setup.workers.entries()) await router.upsertWorker(WORKERS[i]!, workerBody(config));
}

/** The upsert body of a generated worker configuration (an absent cap is sent as `null`, removing an earlier one). */
function workerBody(config: WorkerConfig): Record<string, unknown> {
  return { ...config, maxConcurrentOffers: config.maxConcurrentOffers ?? null };
}

const nth = <T>(list: readonly T[], k: number): T | undefined => (list.length === 0 ? undefined : list[k % list.length]);

async function allJobs(router: Router): Promise<RouterJob[]> {
  return (await router.listJobs({ maxpagesize: 1000 })).value;
}

async function liveOffers(router: Router): Promise<Array<{ workerId: string; offerId: string }>> {
  const workers = (await router.listWorkers({ maxpagesize: 1000 })).value;
  return workers.flatMap((worker) => worker.offers.map((offer) => ({ workerId: worker.id, offerId: offer.offerId })));
}

/** The k-th job in one of `statuses`, with its assignment in force (if any). */
async function pickJob(router: Router, k: number, statuses?: readonly string[]) {
  const jobs = (await allJobs(router)).filter((job) => statuses === undefined || statuses.includes(job.status));
  const job = nth(jobs, k);
  if (!job) return undefined;
  const current = Object.values(job.assignments).find((assignment) => assignment.closedAt === undefined);
  return { job, assignmentId: current?.assignmentId ?? Object.keys(job.assignments)[0] ?? 'none' };
}

/**
 * The workers a new job must be offered to, best first: the distribution mode's ranking over every registered
 * worker with load to spare (a full worker takes nothing, not even a job costing 0), as `rankWorkers` computes it
 * without the engine's shortcuts (the idle-worker prefix of longest idle, the per-queue candidate sets).
 */
function rankedFor(router: Router, jobId: string, op: Extract<Op, { kind: 'createJob' }>): string[] {
  const { engine } = router;
  const queueId = QUEUES[op.queue]!;
  const prepared = engine.catalogue.queues.has(queueId) ? engine.catalogue.policyOf(queueId) : undefined;
  if (!prepared) return [];
  const job: JobView = {
    id: jobId,
    queueId,
    channelId: op.channel,
    priority: op.priority,
    enqueueSeq: 0,
    labels: {},
    selectors: op.selectors.map(({ key, labelOperator, value, expedite }) => ({ key, labelOperator: labelOperator as LabelOperator, value, expedite })),
    offeredTo: new Set(),
    declinedBy: new Set(),
  };
  const candidates = [...engine.actors.workers.keys()]
    .map((workerId) => engine.actors.workerContext(workerId)!)
    .filter((worker) => worker.active && worker.usedCapacity < worker.capacity);
  const cursor = engine.dispatch.cursor(queueId);
  return rankWorkers(job, candidates, prepared.view, cursor, prepared.view.maxConcurrentOffers).workers.map((worker) => worker.id);
}

/**
 * Accepts a live offer and, in the same tick, sends a rival command about the same job or worker. Each command must
 * either succeed or be refused with a RouterError; the invariants then say whether the outcome is coherent.
 */
async function race(world: World, k: number, rival: Rival): Promise<void> {
  const { router } = world.session;
  const offers = await liveOffers(router);
  const offer = nth(offers, k);
  if (!offer) return;
  const jobId = router.engine.offers.get(offer.offerId)?.getSnapshot().context.jobId;
  const accepted = router.acceptJobOffer(offer.workerId, offer.offerId);
  const rivals: Array<Promise<unknown>> = [];
  if (rival === 'acceptOthers')
    for (const other of offers)
      if (other !== offer && router.engine.offers.get(other.offerId)?.getSnapshot().context.jobId === jobId)
        rivals.push(router.acceptJobOffer(other.workerId, other.offerId));
  if (rival === 'decline') rivals.push(router.declineJobOffer(offer.workerId, offer.offerId));
  if (rival === 'cancel' && jobId !== undefined) rivals.push(router.cancelJob(jobId));
  if (rival === 'deregister') rivals.push(router.upsertWorker(offer.workerId, { availableForOffers: false }));
  if (rival === 'unassign') rivals.push(accepted.then((result) => router.unassignJob(result.jobId, result.assignmentId)));
  const outcomes = await Promise.allSettled([accepted, ...rivals]);
  for (const outcome of outcomes)
    if (outcome.status === 'rejected' && !(outcome.reason instanceof RouterError && outcome.reason.code !== 'InternalError'))
      throw outcome.reason;
  if (rival === 'acceptOthers') expect(outcomes.filter((outcome) => outcome.status === 'fulfilled'), 'one accept wins').toHaveLength(1);
}

const iso = (world: World, afterMs: number) => new Date(world.session.clock.now() + afterMs).toISOString();

/** Carries out one command. A refusal (`RouterError`) is an allowed outcome and is returned; anything else throws. */
export async function perform(world: World, op: Op): Promise<RouterError | undefined> {
  try {
    await dispatch(world, op);
    return undefined;
  } catch (error) {
    if (error instanceof RouterError && error.code !== 'InternalError') return error;
    throw error;
  }
}

async function dispatch(world: World, op: Op): Promise<void> {
  const { router } = world.session;
  switch (op.kind) {
    case 'upsertPolicy':
      await router.upsertDistributionPolicy(POLICIES[op.policy]!, policyBody(op.spec));
      return;
    case 'deletePolicy':
      await router.deleteDistributionPolicy(POLICIES[op.policy]!);
      return;
    case 'upsertQueue':
      await router.upsertQueue(QUEUES[op.queue]!, { distributionPolicyId: POLICIES[op.policy]! });
      return;
    case 'deleteQueue':
      await router.deleteQueue(QUEUES[op.queue]!);
      return;
    case 'upsertWorker': {
      const workerId = WORKERS[op.worker]!;
      const busy = Object.keys(router.engine.actors.workerContext(workerId)?.assignments ?? {}).length > 0;
      await router.upsertWorker(workerId, workerBody(op.config));
      if (busy) world.reconfiguredWhileBusy.add(workerId);
      return;
    }
    case 'setAvailable':
      await router.upsertWorker(WORKERS[op.worker]!, { availableForOffers: op.available });
      return;
    case 'deleteWorker':
      await router.deleteWorker(WORKERS[op.worker]!);
      return;
    case 'createJob': {
      const jobId = `job${world.nextJob++}`;
      const matchingMode =
        typeof op.matching === 'string'
          ? { kind: op.matching }
          : { kind: 'scheduleAndSuspend', scheduleAt: iso(world, op.matching.scheduleAfterMs) };
      const expected = op.matching === 'queueAndMatch' ? rankedFor(router, jobId, op) : [];
      const seen = world.session.events.length;
      await router.upsertJob(jobId, {
        queueId: QUEUES[op.queue],
        channelId: op.channel,
        priority: op.priority,
        requestedWorkerSelectors: op.selectors,
        matchingMode,
      });
      world.jobIds.add(jobId);
      const issued = world.session.events.slice(seen).filter((event) => event.type === 'RouterWorkerOfferIssued');
      expect(issued.map((event) => event.data['workerId']), `${jobId} offered as a full ranking of the workers says`).toEqual(expected);
      return;
    }
    case 'reprioritise': {
      const target = await pickJob(router, op.pick);
      if (target) await router.upsertJob(target.job.id, { priority: op.priority });
      return;
    }
    case 'moveJob': {
      const target = await pickJob(router, op.pick);
      if (target) await router.upsertJob(target.job.id, { queueId: QUEUES[op.queue] });
      return;
    }
    case 'setMatching': {
      const target = await pickJob(router, op.pick, ['queued', 'waitingForActivation', 'scheduled']);
      if (target) await router.upsertJob(target.job.id, { matchingMode: { kind: op.mode } });
      return;
    }
    case 'accept': {
      const offer = nth(await liveOffers(router), op.pick);
      if (offer) await router.acceptJobOffer(offer.workerId, offer.offerId);
      return;
    }
    case 'race':
      return race(world, op.pick, op.rival);
    case 'acceptEnded': {
      const offer = nth(world.ledger.ended, op.pick);
      if (offer) await router.acceptJobOffer(offer.workerId, offer.offerId);
      return;
    }
    case 'decline': {
      const offer = nth(await liveOffers(router), op.pick);
      const retryOfferAt = op.retryAfterMs === undefined ? undefined : iso(world, op.retryAfterMs);
      if (offer) await router.declineJobOffer(offer.workerId, offer.offerId, retryOfferAt === undefined ? {} : { retryOfferAt });
      return;
    }
    case 'complete': {
      const target = await pickJob(router, op.pick, ['assigned', 'completed']);
      if (target) await router.completeJob(target.job.id, target.assignmentId);
      return;
    }
    case 'close': {
      const target = await pickJob(router, op.pick, ['assigned', 'completed']);
      const closeAt = op.closeAfterMs === undefined ? undefined : iso(world, op.closeAfterMs);
      if (target) await router.closeJob(target.job.id, target.assignmentId, closeAt === undefined ? {} : { closeAt });
      return;
    }
    case 'unassign': {
      const target = await pickJob(router, op.pick, ['assigned', 'completed']);
      if (target) await router.unassignJob(target.job.id, target.assignmentId, { suspendMatching: op.suspendMatching });
      return;
    }
    case 'cancel': {
      const target = await pickJob(router, op.pick);
      if (target) await router.cancelJob(target.job.id);
      return;
    }
    case 'deleteJob': {
      const target = await pickJob(router, op.pick);
      if (!target) return;
      await router.deleteJob(target.job.id);
      world.jobIds.delete(target.job.id);
      return;
    }
    case 'advance':
      await world.session.advance(op.ms);
      return;
    case 'restart':
      await restart(world);
      return;
  }
}

/** Runs the commands, checking every invariant after each, and that a refused command changed nothing. */
export async function runCommands(setup: Setup, ops: readonly Op[]): Promise<void> {
  const world = await openWorld(setup);
  try {
    for (const [step, op] of ops.entries()) {
      const before = await visibleState(world.session.router);
      const refusal = await perform(world, op);
      if (refusal) expect(await visibleState(world.session.router), `step ${step} ${op.kind} refused (${refusal.code}) and changed nothing`).toEqual(before);
      await checkInvariants(world.session.router, world.ledger, world.session.events, world);
    }
  } finally {
    await world.session.router.close();
  }
}
