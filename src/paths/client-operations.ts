/**
 * The table from machine events to client steps: for the job, offer and worker machines, every step a client
 * developer can take (an API operation, or time passing) with the machine events it makes the router send. Every
 * event of those machines is caused by some step here (`test/unit/paths.test.ts` fails otherwise), so a new machine
 * event breaks the build until it is given one.
 *
 * Each machine also has its `setup`: the operations that bring a run to the machine's initial state (the queue, the
 * workers, and for an offer the job that gets offered).
 *
 * @module
 */
import type { AnyStateMachine, EventFromLogic, InputFrom, SnapshotFrom } from 'xstate';
import { type JobData, type JobFields, jobMachine, MAX_UNASSIGNMENTS } from '../../machines/job.machine.ts';
import { type OfferInput, offerMachine } from '../../machines/offer.machine.ts';
import { type WorkerConfig, workerMachine } from '../../machines/worker.machine.ts';
import type { PathOperation } from './client-steps.ts';
import type { ClientStep } from './paths.schemas.ts';

/** The machines' events carry times; the paths run on a clock of their own, from this instant. */
const T0 = Date.UTC(2026, 0, 1);
/** How far ahead the short deadlines of the paths are set (`closeAt`, `scheduleAt`), and how long offers last. */
const SHORT_SECONDS = 2;
const SHORT = `$now+${SHORT_SECONDS}s`;

type JobSnapshot = SnapshotFrom<typeof jobMachine>;
type JobEvent = EventFromLogic<typeof jobMachine>;
type OfferSnapshot = SnapshotFrom<typeof offerMachine>;
type OfferEvent = EventFromLogic<typeof offerMachine>;
type WorkerSnapshot = SnapshotFrom<typeof workerMachine>;
type WorkerEvent = EventFromLogic<typeof workerMachine>;

const call = (operation: string, args: Record<string, unknown>, description: string): ClientStep => ({ by: 'client', operation, args, description });
const wait = (description: string): ClientStep => ({ by: 'time', description });

const WORKER_BODY = {
  queues: ['$queueId'],
  capacity: 10,
  channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
};

/** A distribution policy and a queue under it; offers last `offerSeconds` when given, else until answered. */
function queueSetup(offerSeconds: number | undefined, maxConcurrentOffers: number): ClientStep[] {
  const expiry = offerSeconds === undefined ? {} : { offerExpiresAfterSeconds: offerSeconds };
  return [
    call(
      'upsertDistributionPolicy',
      { distributionPolicyId: '$distributionPolicyId', ...expiry, mode: { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers } },
      `a distribution policy offering each job to up to ${maxConcurrentOffers} worker(s)${offerSeconds === undefined ? '' : `, offers expiring after ${offerSeconds} s`}`,
    ),
    call('upsertQueue', { queueId: '$queueId', distributionPolicyId: '$distributionPolicyId' }, 'a queue under it'),
  ];
}

const registerWorker = (workerId: string, available: boolean): ClientStep =>
  call('upsertWorker', { workerId, ...WORKER_BODY, availableForOffers: available }, `worker ${workerId} listening on $queueId, ${available ? 'available' : 'not yet available'} for offers`);

// ------------------------------------------------------------------------------------------------------------ job

const BLANK_JOB: JobData = {
  id: '$jobId',
  channelId: 'voice',
  priority: 1,
  requestedWorkerSelectors: [],
  attachedWorkerSelectors: [],
  labels: {},
  tags: {},
  notes: [],
  assignments: {},
  matchingMode: { kind: 'queueAndMatch' },
};

/** The upsert that writes `changes` over the job's fields. */
const update = ({ context }: JobSnapshot, changes: Partial<JobFields>): JobEvent => ({ type: 'job.update', fields: { ...context.job, ...changes }, at: T0 });
const isNew = (snapshot: JobSnapshot) => snapshot.value === 'created';
const at = { at: T0 };
const classified = (changes: Partial<JobData>): JobEvent => ({
  type: 'job.classified',
  changes,
  queueDetails: { id: '$queueId', labels: {} },
  classificationPolicyId: '$classificationPolicyId',
  ...at,
});
const classificationFail: JobEvent = {
  type: 'job.classificationFail',
  errors: [{ code: 'QueueNotFound', message: 'no queue matches the queue selectors', target: 'queueSelectorAttachments' }],
  ...at,
};

/** A job's first upsert: its fields, then what the router does with them in the same command. */
function createJob(label: string, fields: Record<string, unknown>, description: string, then: readonly JobEvent[], causes: readonly JobEvent['type'][]): PathOperation<JobSnapshot, JobEvent> {
  return {
    label,
    step: call('upsertJob', { jobId: '$jobId', channelId: 'voice', ...fields }, description),
    causes: ['job.update', ...causes],
    events: (snapshot) => (isNew(snapshot) ? [update(snapshot, fields as Partial<JobFields>), ...then] : undefined),
  };
}

const jobOperations: ReadonlyArray<PathOperation<JobSnapshot, JobEvent>> = [
  createJob('upsertJob(new)', { queueId: '$queueId' }, 'create the job in $queueId: it is queued and offered to $workerId', [{ type: 'job.enqueue', ...at }], ['job.enqueue']),
  createJob(
    'upsertJob(new, classificationPolicyId)',
    { classificationPolicyId: '$classificationPolicyId' },
    'create the job with a classification policy: the router classifies it into $queueId',
    [{ type: 'job.classify', ...at }, classified({ queueId: '$queueId' }), { type: 'job.enqueue', ...at }],
    ['job.classify', 'job.classified', 'job.enqueue'],
  ),
  createJob(
    'upsertJob(new, failing classificationPolicyId)',
    { classificationPolicyId: '$failingClassificationPolicyId' },
    'create the job with a classification policy that finds no queue: classification fails',
    [{ type: 'job.classify', ...at }, classificationFail],
    ['job.classify', 'job.classificationFail'],
  ),
  createJob('upsertJob(new, suspend)', { queueId: '$queueId', matchingMode: { kind: 'suspend' } }, 'create the job suspended: it waits for activation', [{ type: 'job.suspend', ...at }], ['job.suspend']),
  createJob(
    'upsertJob(new, scheduleAndSuspend)',
    { queueId: '$queueId', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: SHORT } },
    `create the job scheduled ${SHORT_SECONDS} s ahead`,
    [{ type: 'job.schedule', ...at }, { type: 'job.scheduleArmed', ...at }],
    ['job.schedule', 'job.scheduleArmed'],
  ),
  createJob(
    'upsertJob(new, scheduleAt beyond 90 days)',
    { queueId: '$queueId', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: '$now+100d' } },
    'create the job scheduled more than 90 days ahead: scheduling fails',
    [{ type: 'job.schedule', ...at }, { type: 'job.scheduleFail', scheduledOn: '$now+100d', failureReason: 'more than 90 days ahead', ...at }],
    ['job.schedule', 'job.scheduleFail'],
  ),
  {
    label: 'scheduleAt passes',
    step: wait(`advance time past scheduleAt (${SHORT_SECONDS} s): the job waits for activation`),
    causes: ['job.scheduleDue'],
    events: (snapshot) => (snapshot.value === 'scheduled' ? [{ type: 'job.scheduleDue', ...at }] : undefined),
  },
  {
    label: 'upsertJob(queueAndMatch)',
    step: call('upsertJob', { jobId: '$jobId', matchingMode: { kind: 'queueAndMatch' } }, 'switch the waiting job to queueAndMatch: it is queued and offered'),
    causes: ['job.update', 'job.enqueue'],
    events: (snapshot) =>
      snapshot.value === 'waitingForActivation' ? [update(snapshot, { matchingMode: { kind: 'queueAndMatch' } }), { type: 'job.enqueue', ...at }] : undefined,
  },
  {
    label: 'upsertJob(suspend)',
    step: call('upsertJob', { jobId: '$jobId', matchingMode: { kind: 'suspend' } }, 'suspend the queued job: its offers are revoked and it waits for activation'),
    causes: ['job.update', 'job.suspend'],
    events: (snapshot) => (snapshot.value === 'queued' ? [update(snapshot, { matchingMode: { kind: 'suspend' } }), { type: 'job.suspend', ...at }] : undefined),
  },
  {
    label: 'reclassifyJob',
    step: call('reclassifyJob', { jobId: '$jobId' }, 'classify the job again with its policy'),
    causes: ['job.classify', 'job.classified', 'job.enqueue', 'job.classificationFail'],
    events: ({ value, context }) => {
      const policy = context.job.classificationPolicyId;
      if (policy === undefined || !['queued', 'classificationFailed'].includes(value)) return undefined;
      if (policy === '$failingClassificationPolicyId') return [{ type: 'job.classify', ...at }, classificationFail];
      return [{ type: 'job.classify', ...at }, classified({}), { type: 'job.enqueue', ...at }];
    },
  },
  {
    label: 'acceptJobOffer',
    step: call('acceptJobOffer', { workerId: '$workerId', offerId: '$offerId' }, "$workerId accepts the job's offer: the job is assigned"),
    causes: ['job.assign'],
    events: ({ value, context }) =>
      value === 'queued' ? [{ type: 'job.assign', assignmentId: `a-${context.unassignmentCount + 1}`, workerId: '$workerId', ...at }] : undefined,
  },
  {
    label: 'completeJob',
    step: call('completeJob', { jobId: '$jobId', assignmentId: '$assignmentId' }, 'complete the assignment'),
    causes: ['job.complete'],
    events: ({ value, context }) => (value === 'assigned' ? [{ type: 'job.complete', assignmentId: context.assignmentId ?? '', ...at }] : undefined),
  },
  {
    label: 'closeJob',
    step: call('closeJob', { jobId: '$jobId', assignmentId: '$assignmentId' }, "close the job: the worker's capacity is released"),
    causes: ['job.close'],
    events: ({ value, context }) =>
      value === 'assigned' || value === 'completed' ? [{ type: 'job.close', assignmentId: context.assignmentId ?? '', ...at }] : undefined,
  },
  {
    label: 'closeJob(closeAt)',
    step: call('closeJob', { jobId: '$jobId', assignmentId: '$assignmentId', closeAt: SHORT }, `close the job ${SHORT_SECONDS} s from now: it is completed until then`),
    causes: ['job.deferClose'],
    events: ({ value, context }) =>
      (value === 'assigned' || value === 'completed') && context.pendingClose === undefined
        ? [{ type: 'job.deferClose', assignmentId: context.assignmentId ?? '', closeAt: T0 + SHORT_SECONDS * 1000, ...at }]
        : undefined,
  },
  {
    label: 'closeAt passes',
    step: wait(`advance time past closeAt (${SHORT_SECONDS} s): the job closes`),
    causes: ['job.closeDue'],
    events: ({ value, context }) => (value === 'completed' && context.pendingClose !== undefined ? [{ type: 'job.closeDue', at: context.pendingClose.at }] : undefined),
  },
  {
    label: 'cancelJob',
    step: call('cancelJob', { jobId: '$jobId' }, 'cancel the job'),
    causes: ['job.cancel'],
    events: (snapshot) => (isNew(snapshot) ? undefined : [{ type: 'job.cancel', ...at }]),
  },
  ...[false, true].map(
    (suspendMatching): PathOperation<JobSnapshot, JobEvent> => ({
      label: suspendMatching ? 'unassignJob(suspendMatching)' : 'unassignJob',
      step: call(
        'unassignJob',
        { jobId: '$jobId', assignmentId: '$assignmentId', ...(suspendMatching ? { suspendMatching } : {}) },
        suspendMatching ? 'unassign the job, suspending its matching: it waits for activation' : 'unassign the job: it is queued and offered again',
      ),
      causes: ['job.unassign'],
      events: ({ value, context }) =>
        value === 'assigned' && context.unassignmentCount < MAX_UNASSIGNMENTS
          ? [{ type: 'job.unassign', assignmentId: context.assignmentId ?? '', suspendMatching, ...at }]
          : undefined,
    }),
  ),
  {
    // The router's own changes of a job's fields never change the status, and need selectors or exception rules the
    // setup does not have, so no path takes them.
    label: 'worker selectors expire',
    step: wait("advance time past a requested worker selector's expiresAfterSeconds: the router marks the selector expired"),
    causes: ['job.selectorsExpired'],
    events: () => undefined,
  },
  {
    label: 'router amends the job',
    step: wait("advance time past an exception rule's trigger: the router amends the job's selectors, queue or priority"),
    causes: ['job.amend'],
    events: () => undefined,
  },
];

// ---------------------------------------------------------------------------------------------------------- offer

const OFFER_INPUT: OfferInput = {
  offerId: '$offerId',
  jobId: '$jobId',
  workerId: '$workerId',
  queueId: '$queueId',
  channelId: 'voice',
  capacityCost: 1,
  offeredAt: T0,
  expiresAt: T0 + SHORT_SECONDS * 1000,
};

const whileIssued =
  (event: OfferEvent) =>
  (snapshot: OfferSnapshot): readonly OfferEvent[] | undefined =>
    snapshot.value === 'issued' ? [event] : undefined;
const revoke = { type: 'offer.revoke', at: T0 } as const;

const offerOperations: ReadonlyArray<PathOperation<OfferSnapshot, OfferEvent>> = [
  {
    label: 'acceptJobOffer',
    step: call('acceptJobOffer', { workerId: '$workerId', offerId: '$offerId' }, 'accept the offer'),
    causes: ['offer.accept'],
    events: whileIssued({ type: 'offer.accept', at: T0 }),
  },
  {
    label: 'declineJobOffer',
    step: call('declineJobOffer', { workerId: '$workerId', offerId: '$offerId' }, 'decline the offer'),
    causes: ['offer.decline'],
    events: whileIssued({ type: 'offer.decline', at: T0 }),
  },
  {
    label: 'declineJobOffer(retryOfferAt)',
    step: call('declineJobOffer', { workerId: '$workerId', offerId: '$offerId', retryOfferAt: '$now+60s' }, 'decline the offer, willing to be offered the job again in 60 s'),
    causes: ['offer.decline'],
    events: whileIssued({ type: 'offer.decline', at: T0, retryOfferAt: T0 + 60_000 }),
  },
  {
    label: 'offer expires',
    step: wait(`advance time past offerExpiresAfterSeconds (${SHORT_SECONDS} s): the offer expires`),
    causes: ['offer.expire'],
    events: (snapshot) => (snapshot.value === 'issued' && snapshot.context.expiresAt !== undefined ? [{ type: 'offer.expire', at: snapshot.context.expiresAt }] : undefined),
  },
  {
    label: 'another worker accepts',
    step: call('acceptJobOffer', { workerId: '$otherWorkerId', offerId: '$otherOfferId' }, 'another worker accepts its offer of the same job: the router revokes this one'),
    causes: ['offer.revoke'],
    events: whileIssued(revoke),
  },
  {
    label: 'cancelJob',
    step: call('cancelJob', { jobId: '$jobId' }, 'cancel the job: the router revokes its offers'),
    causes: ['offer.revoke'],
    events: whileIssued(revoke),
  },
  {
    label: 'upsertWorker(unavailable)',
    step: call('upsertWorker', { workerId: '$workerId', availableForOffers: false }, 'the worker deregisters (availableForOffers: false): the router revokes its offers'),
    causes: ['offer.revoke'],
    events: whileIssued(revoke),
  },
  {
    label: 'deleteWorker',
    step: call('deleteWorker', { workerId: '$workerId' }, 'delete the worker: the router revokes its offers'),
    causes: ['offer.revoke'],
    events: whileIssued(revoke),
  },
];

// --------------------------------------------------------------------------------------------------------- worker

const WORKER_CONFIG: WorkerConfig = {
  queues: ['$queueId'],
  capacity: 10,
  labels: { Id: '$workerId' },
  tags: {},
  channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
  availableForOffers: false,
};

const configure = (availableForOffers: boolean): WorkerEvent => ({ type: 'worker.configure', config: { ...WORKER_CONFIG, availableForOffers }, at: T0 });
/** The offer the worker took first, if it holds one. */
const heldOffer = ({ context }: WorkerSnapshot) => Object.keys(context.offers)[0];
const offerEnded =
  (snapshot: WorkerSnapshot): readonly WorkerEvent[] | undefined => {
    const offerId = heldOffer(snapshot);
    return offerId === undefined ? undefined : [{ type: 'worker.offerEnded', offerId, at: T0 }];
  };

const workerOperations: ReadonlyArray<PathOperation<WorkerSnapshot, WorkerEvent>> = [
  {
    label: 'upsertWorker(available)',
    step: call('upsertWorker', { workerId: '$workerId', availableForOffers: true }, 'register the worker (availableForOffers: true)'),
    causes: ['worker.configure'],
    events: (snapshot) => (snapshot.value === 'active' ? undefined : [configure(true)]),
  },
  {
    label: 'upsertWorker(unavailable)',
    step: call('upsertWorker', { workerId: '$workerId', availableForOffers: false }, 'deregister the worker: its offers are revoked; with jobs assigned it drains'),
    causes: ['worker.offerEnded', 'worker.configure'],
    events: (snapshot) =>
      snapshot.value === 'active'
        ? [...Object.keys(snapshot.context.offers).map((offerId): WorkerEvent => ({ type: 'worker.offerEnded', offerId, at: T0 })), configure(false)]
        : undefined,
  },
  {
    label: 'upsertJob',
    step: call('upsertJob', { jobId: '$jobId', channelId: 'voice', queueId: '$queueId' }, 'a job arrives in the queue: the router offers it to the worker'),
    causes: ['worker.reserve'],
    events: ({ value, context }) =>
      value === 'active' && context.offerCount === 0
        ? [{ type: 'worker.reserve', offer: { offerId: 'o-1', jobId: '$jobId', channelId: 'voice', capacityCost: 1, offeredAt: T0, expiresAt: undefined } }]
        : undefined,
  },
  {
    label: 'declineJobOffer',
    step: call('declineJobOffer', { workerId: '$workerId', offerId: '$offerId' }, 'decline the offer'),
    causes: ['worker.offerEnded'],
    events: offerEnded,
  },
  {
    label: 'acceptJobOffer',
    step: call('acceptJobOffer', { workerId: '$workerId', offerId: '$offerId' }, 'accept the offer: the job is assigned to the worker'),
    causes: ['worker.assign'],
    events: (snapshot) => {
      const offerId = heldOffer(snapshot);
      return offerId === undefined ? undefined : [{ type: 'worker.assign', offerId, assignmentId: `a-${offerId}`, at: T0 }];
    },
  },
  {
    label: 'closeJob',
    step: call('closeJob', { jobId: '$jobId', assignmentId: '$assignmentId' }, "close the assigned job: the worker's capacity is released"),
    causes: ['worker.release'],
    events: ({ context }) => {
      const assignmentId = Object.keys(context.assignments)[0];
      return assignmentId === undefined ? undefined : [{ type: 'worker.release', assignmentId, at: T0 }];
    },
  },
];

// ------------------------------------------------------------------------------------------------------ the table

/** A machine as paths are generated from it: its steps, its setup, and the input of its first actor. */
export interface PathMachine<TMachine extends AnyStateMachine> {
  readonly machine: TMachine;
  readonly input: InputFrom<TMachine>;
  /** What a run performs before the path's first step; the path starts in the machine's initial state. */
  readonly setup: readonly ClientStep[];
  /** What the initial state stands for, in words. */
  readonly start: string;
  readonly operations: ReadonlyArray<PathOperation<SnapshotFrom<TMachine>, EventFromLogic<TMachine>>>;
}

const pathMachine = <TMachine extends AnyStateMachine>(definition: PathMachine<TMachine>): PathMachine<TMachine> => definition;

/** The machines `switchboard paths` knows, by name. */
export const PATH_MACHINES = {
  job: pathMachine({
    machine: jobMachine,
    input: { job: BLANK_JOB },
    setup: [
      ...queueSetup(undefined, 1),
      call('upsertClassificationPolicy', { classificationPolicyId: '$classificationPolicyId', fallbackQueueId: '$queueId' }, 'a classification policy that routes to $queueId'),
      call('upsertClassificationPolicy', { classificationPolicyId: '$failingClassificationPolicyId', queueSelectorAttachments: [] }, 'a classification policy that finds no queue'),
      registerWorker('$workerId', true),
    ],
    start: 'no job yet',
    operations: jobOperations,
  }),
  offer: pathMachine({
    machine: offerMachine,
    input: OFFER_INPUT,
    setup: [
      ...queueSetup(SHORT_SECONDS, 2),
      registerWorker('$workerId', true),
      registerWorker('$otherWorkerId', true),
      call('upsertJob', { jobId: '$jobId', channelId: 'voice', queueId: '$queueId' }, 'a job in the queue: the router offers it to both workers'),
    ],
    start: 'the offer of $jobId to $workerId is issued',
    operations: offerOperations,
  }),
  worker: pathMachine({
    machine: workerMachine,
    input: { id: '$workerId', config: WORKER_CONFIG, at: T0 },
    setup: [...queueSetup(undefined, 1), registerWorker('$workerId', false)],
    start: 'the worker exists, not available for offers',
    operations: workerOperations,
  }),
} as const;

export type PathMachineName = keyof typeof PATH_MACHINES;
