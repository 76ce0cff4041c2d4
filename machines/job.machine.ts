import { and, assertEvent, assign, emit, setup } from 'xstate';
import type { RouterWorkerSelector } from '../src/protocol/common.schemas.ts';
import { eventSelector, eventStatus, type EventExtra, type EventFact } from '../src/protocol/events.schemas.ts';
import { JOB_FIELD_NAMES, type JobFieldName, type RouterJob, type RouterJobNote } from '../src/protocol/job.schemas.ts';
import { toIso as iso } from '../src/time.ts';

/** The job's wire fields except `etag` and `status` (the status is the machine's state). Times are ISO strings. */
export type JobData = Omit<RouterJob, 'etag' | 'status'>;

/** The fields a caller sets by upsert, all of them: an optional field that is absent was removed. */
export type JobFields = Pick<JobData, JobFieldName>;

export interface JobContext {
  readonly job: JobData;
  readonly unassignmentCount: number;
  /** The assignment in force while `assigned` or `completed`. */
  readonly assignmentId: string | undefined;
  /** A close requested with a future `closeAt`: capacity stays held until then. */
  readonly pendingClose: { readonly at: number; readonly dispositionCode: string | undefined } | undefined;
}

export type JobInput = Omit<JobContext, 'assignmentId' | 'pendingClose' | 'unassignmentCount'>;

/** Most unassignments a job may have (spec §1.10). */
export const MAX_UNASSIGNMENTS = 3;

type At = { at: number };
type Note = { note?: string | undefined };
type EventSelectors = EventExtra<'RouterJobWorkerSelectorsExpired'>['expiredRequestedWorkerSelectors'];

export type JobEvent =
  /** A caller's upsert: the job's writable fields become `fields` (so a field the merge patch removed goes). */
  | ({ type: 'job.update'; fields: JobFields } & At)
  /** The router's own amendment of some fields (an exception rule's actions); the others are kept. */
  | ({ type: 'job.amend'; changes: Partial<JobData> } & At)
  | ({ type: 'job.classify' } & At)
  /** Classification's result: the fields it sets, and the queue it chose and the policy that chose it, as announced. */
  | ({ type: 'job.classified'; changes: Partial<JobData> } & Pick<EventExtra<'RouterJobClassified'>, 'queueDetails' | 'classificationPolicyId'> & At)
  | ({ type: 'job.classificationFail' } & Pick<EventExtra<'RouterJobClassificationFailed'>, 'errors'> & At)
  /** Selectors came to their `expiresAt`: `changes` marks them expired, `expired` lists them. */
  | ({
      type: 'job.selectorsExpired';
      changes: Pick<JobData, 'requestedWorkerSelectors' | 'attachedWorkerSelectors'>;
      expired: { readonly requested: readonly RouterWorkerSelector[]; readonly attached: readonly RouterWorkerSelector[] };
    } & At)
  | ({ type: 'job.enqueue' } & At)
  | ({ type: 'job.suspend' } & At)
  | ({ type: 'job.schedule' } & At)
  | ({ type: 'job.scheduleArmed' } & At)
  | ({ type: 'job.scheduleFail' } & Pick<EventExtra<'RouterJobSchedulingFailed'>, 'scheduledOn' | 'failureReason'> & At)
  | ({ type: 'job.scheduleDue' } & At)
  | ({ type: 'job.assign'; assignmentId: string; workerId: string } & At)
  | ({ type: 'job.complete'; assignmentId: string } & At & Note)
  | ({ type: 'job.close'; assignmentId: string; dispositionCode?: string | undefined } & At & Note)
  | ({ type: 'job.deferClose'; assignmentId: string; closeAt: number; dispositionCode?: string | undefined } & At & Note)
  | ({ type: 'job.closeDue' } & At)
  | ({ type: 'job.cancel'; dispositionCode?: string | undefined } & At & Note)
  | ({ type: 'job.unassign'; assignmentId: string; suspendMatching: boolean } & At);

/** The events a job's transitions announce (spec §3.8); `RouterJobDeleted` and `RouterJobExceptionTriggered` are no transition of the job. */
type JobFactType =
  | 'RouterJobReceived'
  | 'RouterJobClassified'
  | 'RouterJobQueued'
  | 'RouterJobClassificationFailed'
  | 'RouterJobCompleted'
  | 'RouterJobClosed'
  | 'RouterJobCancelled'
  | 'RouterJobWorkerSelectorsExpired'
  | 'RouterJobUnassigned'
  | 'RouterJobWaitingForActivation'
  | 'RouterJobSchedulingFailed';

/** What a job's transition emits: the event type, the job as the transition leaves it, and the event's own fields. */
export type JobFact = { [T in JobFactType]: EventFact<T, { readonly job: JobData }> }[JobFactType];

/** The job without its writable fields: what an upsert keeps (id, assignments, times, attached selectors). */
function readOnlyPart(job: JobData): Partial<JobData> {
  const kept: Partial<JobData> = { ...job };
  for (const name of JOB_FIELD_NAMES) delete kept[name];
  return kept;
}

function withNote(notes: readonly RouterJobNote[], message: string | undefined, at: number): RouterJobNote[] {
  return message === undefined ? [...notes] : [...notes, { message, addedAt: iso(at) }];
}

/** The current assignment with `completedAt` / `closedAt` set, keeping a time that was already recorded. */
function stamped(context: JobContext, fields: ReadonlyArray<'completedAt' | 'closedAt'>, at: number): JobData['assignments'] {
  const id = context.assignmentId;
  const assignment = id === undefined ? undefined : context.job.assignments[id];
  if (id === undefined || !assignment) return context.job.assignments;
  const updated = { ...assignment };
  for (const field of fields) updated[field] ??= iso(at);
  return { ...context.job.assignments, [id]: updated };
}

/** The status `RouterJobReceived` reports: where the job is on its way in. */
function receivedStatus(job: JobData): 'pendingClassification' | 'pendingSchedule' | 'queued' | 'waitingForActivation' {
  if (job.classificationPolicyId !== undefined) return 'pendingClassification';
  if (job.matchingMode.kind === 'scheduleAndSuspend') return 'pendingSchedule';
  return job.matchingMode.kind === 'queueAndMatch' ? 'queued' : 'waitingForActivation';
}

function expiredOf(selectors: readonly RouterWorkerSelector[]): EventSelectors {
  return selectors.filter((selector) => selector.status === 'expired').map(eventSelector);
}

/** The fields `RouterJobWaitingForActivation` and `RouterJobSchedulingFailed` start with. */
function waitingFields(job: JobData) {
  return {
    priority: job.priority,
    expiredAttachedWorkerSelectors: expiredOf(job.attachedWorkerSelectors),
    expiredRequestedWorkerSelectors: expiredOf(job.requestedWorkerSelectors),
  };
}

/** The worker an assignment of the job is to; an assignment always names one, though the wire model makes it optional. */
function assignedWorker(job: JobData, assignmentId: string | undefined): string {
  return (assignmentId === undefined ? undefined : job.assignments[assignmentId]?.workerId) ?? '';
}

/**
 * Rules about statuses that code outside the machine needs, kept on the states that they describe:
 * - `terminal`: the job is finished for good (`closed`, `cancelled`); only these may be deleted, and lists'
 *   `active` filter leaves them out.
 * - `holdsAssignment`: an assignment is in force and the worker's capacity is held (`assigned`, `completed`).
 * - `settled`: matching is over for this job (an assignment was made, or it is terminal), so its selectors no longer
 *   matter.
 */
export type JobTag = 'terminal' | 'holdsAssignment' | 'settled';

const cancelFrom = { 'job.cancel': { target: '#job.cancelled', actions: ['recordCancel', 'announceCancelled'] } } as const;

/**
 * A job's status lifecycle (spec §3.1). Each state is a wire status. Matching, offers and capacity live in other
 * actors; this machine only decides which moves are legal and records what each move means for the job's fields.
 * The move that makes an event of spec §3.8 true announces it (the `announce…` actions emit a {@link JobFact}),
 * built from the job as the move leaves it.
 */
export const jobMachine = setup({
  types: { context: {} as JobContext, events: {} as JobEvent, input: {} as JobInput, tags: {} as JobTag, emitted: {} as JobFact },
  actions: {
    announceReceived: emit(({ context: { job } }) => ({
      type: 'RouterJobReceived' as const,
      job,
      jobStatus: eventStatus(receivedStatus(job)),
      classificationPolicyId: job.classificationPolicyId,
      priority: job.priority,
      requestedWorkerSelectors: job.requestedWorkerSelectors.map(eventSelector),
      scheduledOn: job.matchingMode.kind === 'scheduleAndSuspend' ? job.matchingMode.scheduleAt : undefined,
      unavailableForMatching: job.matchingMode.kind !== 'queueAndMatch',
    })),
    announceClassified: emit(({ context: { job }, event }) => {
      assertEvent(event, 'job.classified');
      return {
        type: 'RouterJobClassified' as const,
        job,
        queueDetails: event.queueDetails,
        classificationPolicyId: event.classificationPolicyId,
        priority: job.priority,
        attachedWorkerSelectors: job.attachedWorkerSelectors.map(eventSelector),
      };
    }),
    announceClassificationFailed: emit(({ context: { job }, event }) => {
      assertEvent(event, 'job.classificationFail');
      return { type: 'RouterJobClassificationFailed' as const, job, classificationPolicyId: job.classificationPolicyId, errors: event.errors };
    }),
    announceQueued: emit(({ context: { job } }) => ({
      type: 'RouterJobQueued' as const,
      job,
      priority: job.priority,
      requestedWorkerSelectors: job.requestedWorkerSelectors.map(eventSelector),
      attachedWorkerSelectors: job.attachedWorkerSelectors.map(eventSelector),
    })),
    announceWaiting: emit(({ context: { job } }) => ({
      type: 'RouterJobWaitingForActivation' as const,
      job,
      ...waitingFields(job),
      scheduledOn: job.scheduledAt,
      unavailableForMatching: true as const,
    })),
    announceSchedulingFailed: emit(({ context: { job }, event }) => {
      assertEvent(event, 'job.scheduleFail');
      return {
        type: 'RouterJobSchedulingFailed' as const,
        job,
        ...waitingFields(job),
        scheduledOn: event.scheduledOn,
        unavailableForMatching: true as const,
        failureReason: event.failureReason,
      };
    }),
    announceSelectorsExpired: emit(({ context: { job }, event }) => {
      assertEvent(event, 'job.selectorsExpired');
      return {
        type: 'RouterJobWorkerSelectorsExpired' as const,
        job,
        expiredRequestedWorkerSelectors: event.expired.requested.map(eventSelector),
        expiredAttachedWorkerSelectors: event.expired.attached.map(eventSelector),
      };
    }),
    announceCompleted: emit(({ context }) => ({
      type: 'RouterJobCompleted' as const,
      job: context.job,
      assignmentId: context.assignmentId ?? '',
      workerId: assignedWorker(context.job, context.assignmentId),
    })),
    announceClosed: emit(({ context }) => ({
      type: 'RouterJobClosed' as const,
      job: context.job,
      assignmentId: context.assignmentId ?? '',
      workerId: assignedWorker(context.job, context.assignmentId),
      dispositionCode: context.job.dispositionCode,
    })),
    announceCancelled: emit(({ context: { job }, event }) => {
      assertEvent(event, 'job.cancel');
      return { type: 'RouterJobCancelled' as const, job, note: event.note, dispositionCode: job.dispositionCode };
    }),
    // Before the assignment is removed from the job, so that the worker it was to is known.
    announceUnassigned: emit(({ context }) => ({
      type: 'RouterJobUnassigned' as const,
      job: context.job,
      assignmentId: context.assignmentId ?? '',
      workerId: assignedWorker(context.job, context.assignmentId),
    })),
    applyFields: assign(({ context, event }) =>
      event.type === 'job.update' ? { ...context, job: { ...readOnlyPart(context.job), ...event.fields } as JobData } : context,
    ),
    applyChanges: assign(({ context, event }) =>
      event.type === 'job.amend' || event.type === 'job.classified' || event.type === 'job.selectorsExpired'
        ? { ...context, job: { ...context.job, ...event.changes } }
        : context,
    ),
    recordEnqueued: assign(({ context, event }) => ({ ...context, job: { ...context.job, enqueuedAt: iso(event.at) } })),
    recordScheduledAt: assign(({ context, event }) => ({ ...context, job: { ...context.job, scheduledAt: iso(event.at) } })),
    recordAssignment: assign(({ context, event }) => {
      if (event.type !== 'job.assign') return context;
      const assignment = { assignmentId: event.assignmentId, workerId: event.workerId, assignedAt: iso(event.at) };
      return {
        ...context,
        assignmentId: event.assignmentId,
        job: { ...context.job, assignments: { ...context.job.assignments, [event.assignmentId]: assignment } },
      };
    }),
    recordComplete: assign(({ context, event }) => ({
      ...context,
      job: {
        ...context.job,
        assignments: stamped(context, ['completedAt'], event.at),
        notes: withNote(context.job.notes, 'note' in event ? event.note : undefined, event.at),
      },
    })),
    recordClose: assign(({ context, event }) => {
      const code =
        event.type === 'job.close' ? event.dispositionCode : event.type === 'job.closeDue' ? context.pendingClose?.dispositionCode : undefined;
      return {
        ...context,
        pendingClose: undefined,
        job: {
          ...context.job,
          ...(code === undefined ? {} : { dispositionCode: code }),
          assignments: stamped(context, ['completedAt', 'closedAt'], event.at),
          notes: withNote(context.job.notes, 'note' in event ? event.note : undefined, event.at),
        },
      };
    }),
    recordDeferredClose: assign(({ context, event }) =>
      event.type === 'job.deferClose'
        ? {
            ...context,
            pendingClose: { at: event.closeAt, dispositionCode: event.dispositionCode },
            job: {
              ...context.job,
              assignments: stamped(context, ['completedAt'], event.at),
              notes: withNote(context.job.notes, event.note, event.at),
            },
          }
        : context,
    ),
    recordCancel: assign(({ context, event }) =>
      event.type === 'job.cancel'
        ? {
            ...context,
            job: {
              ...context.job,
              dispositionCode: event.dispositionCode ?? 'Cancelled',
              notes: withNote(context.job.notes, event.note, event.at),
            },
          }
        : context,
    ),
    recordUnassign: assign(({ context, event }) => {
      if (event.type !== 'job.unassign') return context;
      const { [event.assignmentId]: _released, ...assignments } = context.job.assignments;
      // A job unassigned with suspendMatching waits as a suspended job does, so switching its matching mode to
      // queueAndMatch activates it the same way (otherwise the mode would already read queueAndMatch and no update
      // could ever re-queue it).
      const matchingMode = event.suspendMatching ? { kind: 'suspend' as const } : context.job.matchingMode;
      return {
        ...context,
        unassignmentCount: context.unassignmentCount + 1,
        assignmentId: undefined,
        job: { ...context.job, assignments, matchingMode },
      };
    }),
  },
  guards: {
    isCurrentAssignment: ({ context, event }) =>
      'assignmentId' in event && event.assignmentId === context.assignmentId,
    mayUnassign: ({ context, event }) =>
      event.type === 'job.unassign' &&
      event.assignmentId === context.assignmentId &&
      context.unassignmentCount < MAX_UNASSIGNMENTS,
    suspendsMatching: ({ event }) => event.type === 'job.unassign' && event.suspendMatching,
    hasPendingClose: ({ context, event }) => context.pendingClose !== undefined && event.at >= context.pendingClose.at,
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ ...input, unassignmentCount: 0, assignmentId: undefined, pendingClose: undefined }),
  initial: 'created',
  on: {
    'job.update': { actions: 'applyFields' },
    'job.amend': { actions: 'applyChanges' },
    'job.selectorsExpired': { actions: ['applyChanges', 'announceSelectorsExpired'] },
  },
  states: {
    created: {
      // Only a new job enters `created`: a job brought back from its record is restored, not entered.
      entry: 'announceReceived',
      on: {
        'job.classify': 'pendingClassification',
        'job.enqueue': { target: 'queued', actions: 'recordEnqueued' },
        'job.suspend': 'waitingForActivation',
        'job.schedule': 'pendingSchedule',
        ...cancelFrom,
      },
    },
    pendingClassification: {
      on: {
        'job.classified': { actions: ['applyChanges', 'announceClassified'] },
        'job.classificationFail': { target: 'classificationFailed', actions: 'announceClassificationFailed' },
        'job.enqueue': { target: 'queued', actions: 'recordEnqueued' },
        'job.suspend': 'waitingForActivation',
        // A classified job whose matching mode is scheduleAndSuspend is scheduled once its queue is known.
        'job.schedule': 'pendingSchedule',
        ...cancelFrom,
      },
    },
    classificationFailed: {
      on: { 'job.classify': 'pendingClassification', ...cancelFrom },
    },
    queued: {
      entry: 'announceQueued',
      on: {
        'job.assign': { target: 'assigned', actions: 'recordAssignment' },
        'job.classify': 'pendingClassification',
        'job.suspend': 'waitingForActivation',
        'job.enqueue': { target: 'queued', reenter: true, actions: 'recordEnqueued' },
        ...cancelFrom,
      },
    },
    waitingForActivation: {
      entry: 'announceWaiting',
      on: {
        'job.enqueue': { target: 'queued', actions: 'recordEnqueued' },
        'job.classify': 'pendingClassification',
        ...cancelFrom,
      },
    },
    pendingSchedule: {
      on: { 'job.scheduleArmed': 'scheduled', 'job.scheduleFail': { target: 'scheduleFailed', actions: 'announceSchedulingFailed' }, ...cancelFrom },
    },
    scheduled: {
      on: {
        'job.scheduleDue': { target: 'waitingForActivation', actions: 'recordScheduledAt' },
        'job.enqueue': { target: 'queued', actions: 'recordEnqueued' },
        'job.suspend': 'waitingForActivation',
        ...cancelFrom,
      },
    },
    scheduleFailed: { on: { ...cancelFrom } },
    assigned: {
      tags: ['holdsAssignment', 'settled'],
      on: {
        'job.complete': { guard: 'isCurrentAssignment', target: 'completed', actions: ['recordComplete', 'announceCompleted'] },
        // Closing an assigned job completes it on the way.
        'job.close': { guard: 'isCurrentAssignment', target: 'closed', actions: ['recordClose', 'announceCompleted', 'announceClosed'] },
        'job.deferClose': { guard: 'isCurrentAssignment', target: 'completed', actions: ['recordDeferredClose', 'announceCompleted'] },
        'job.unassign': [
          {
            guard: and(['mayUnassign', 'suspendsMatching']),
            target: 'waitingForActivation',
            actions: ['announceUnassigned', 'recordUnassign'],
          },
          { guard: 'mayUnassign', target: 'queued', actions: ['announceUnassigned', 'recordUnassign', 'recordEnqueued'] },
        ],
        ...cancelFrom,
      },
    },
    completed: {
      tags: ['holdsAssignment', 'settled'],
      on: {
        'job.close': { guard: 'isCurrentAssignment', target: 'closed', actions: ['recordClose', 'announceClosed'] },
        'job.deferClose': { guard: 'isCurrentAssignment', actions: 'recordDeferredClose' },
        'job.closeDue': { guard: 'hasPendingClose', target: 'closed', actions: ['recordClose', 'announceClosed'] },
      },
    },
    // Terminal statuses, but not final states: tags and notes of a finished job can still be updated.
    closed: { tags: ['terminal', 'settled'] },
    cancelled: { tags: ['terminal', 'settled'] },
  },
});

/** Each status's tags, read once from the machine: a passivated job has a status but no snapshot to ask. */
const tagsByStatus: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(jobMachine.states).map(([status, node]) => [status, new Set(node.tags)]),
);

/** Whether the state of `status` carries `tag`: `snapshot.hasTag(tag)` for a job known only by its record. */
export function jobStatusHasTag(status: string, tag: JobTag): boolean {
  return tagsByStatus.get(status)?.has(tag) ?? false;
}
