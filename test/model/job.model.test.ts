/**
 * The job machine from its own graph (spec §3.1): every state and transition reached by a generated path replayed on
 * a real actor, finished jobs staying finished, and the unassignment limit.
 */
import { expect, it } from 'vitest';
import { type JobData, type JobEvent, jobMachine, MAX_UNASSIGNMENTS } from '../../machines/job.machine.ts';
import { describeMachineModel, type MachineModel, ModelRun, type ModelStep } from './model-harness.ts';

const T0 = Date.UTC(2026, 0, 1);
const CLOSE_AT = T0 + 60_000;

const job: JobData = {
  id: 'job-1',
  queueId: 'q-1',
  channelId: 'chat',
  priority: 1,
  requestedWorkerSelectors: [],
  attachedWorkerSelectors: [],
  labels: {},
  tags: {},
  notes: [],
  assignments: {},
  matchingMode: { kind: 'queueAndMatch' },
};

const model: MachineModel<typeof jobMachine> = {
  machine: jobMachine,
  input: { job },
  samples: ({ context }) => {
    const current = context.assignmentId ?? 'no-assignment';
    const at = T0;
    return [
      ['update', { type: 'job.update', fields: { ...context.job, priority: 5 }, at }],
      ['amend', { type: 'job.amend', changes: { priority: 5 }, at }],
      ['classify', { type: 'job.classify', at }],
      [
        'classified',
        { type: 'job.classified', changes: { queueId: 'q-2' }, queueDetails: { id: 'q-2', labels: {} }, classificationPolicyId: 'cp-1', at },
      ],
      ['classificationFail', { type: 'job.classificationFail', errors: [{ code: 'QueueNotFound', message: 'no queue', target: 'queueSelectorAttachments' }], at }],
      ['selectorsExpired', { type: 'job.selectorsExpired', changes: { requestedWorkerSelectors: [], attachedWorkerSelectors: [] }, expired: { requested: [], attached: [] }, at }],
      ['enqueue', { type: 'job.enqueue', at }],
      ['suspend', { type: 'job.suspend', at }],
      ['schedule', { type: 'job.schedule', at }],
      ['scheduleArmed', { type: 'job.scheduleArmed', at }],
      ['scheduleFail', { type: 'job.scheduleFail', scheduledOn: '2026-06-01T00:00:00.000Z', failureReason: 'too far ahead', at }],
      ['scheduleDue', { type: 'job.scheduleDue', at }],
      // A fresh id per assignment, as the engine mints them; bounded by the unassignment limit.
      ['assign', { type: 'job.assign', assignmentId: `a-${context.unassignmentCount + 1}`, workerId: 'w-1', at }],
      ['complete', { type: 'job.complete', assignmentId: current, note: 'wrapped up', at }],
      ['complete(stale)', { type: 'job.complete', assignmentId: 'a-stale', at }],
      ['close', { type: 'job.close', assignmentId: current, dispositionCode: 'Resolved', at }],
      ['close(stale)', { type: 'job.close', assignmentId: 'a-stale', at }],
      ['deferClose', { type: 'job.deferClose', assignmentId: current, closeAt: CLOSE_AT, at }],
      ['deferClose(stale)', { type: 'job.deferClose', assignmentId: 'a-stale', closeAt: CLOSE_AT, at }],
      ['closeDue(early)', { type: 'job.closeDue', at: CLOSE_AT - 1 }],
      ['closeDue', { type: 'job.closeDue', at: CLOSE_AT }],
      ['cancel', { type: 'job.cancel', dispositionCode: 'Abandoned', note: 'caller hung up', at }],
      ['unassign', { type: 'job.unassign', assignmentId: current, suspendMatching: false, at }],
      ['unassign(suspend)', { type: 'job.unassign', assignmentId: current, suspendMatching: true, at }],
      ['unassign(stale)', { type: 'job.unassign', assignmentId: 'a-stale', suspendMatching: false, at }],
    ];
  },
};

/** `closed` and `cancelled` are terminal statuses, though not final states (a finished job's tags can change). */
const TERMINAL = new Set(['closed', 'cancelled']);

/** The one event a move on each of these job events announces, when the move is taken. */
const ANNOUNCED_ON_MOVE: Partial<Record<JobEvent['type'], string>> = {
  'job.classificationFail': 'RouterJobClassificationFailed',
  'job.scheduleFail': 'RouterJobSchedulingFailed',
  'job.complete': 'RouterJobCompleted',
  'job.deferClose': 'RouterJobCompleted',
  'job.closeDue': 'RouterJobClosed',
  'job.cancel': 'RouterJobCancelled',
};

/** What a step of the job must announce (spec §3.8), in order: each event by the move that makes it true. */
function announcements({ event, before, after }: ModelStep<typeof jobMachine>): string[] {
  const from = String(before.value);
  const to = String(after.value);
  const moved = from !== to || (event.type === 'job.enqueue' && to === 'queued');
  const entered = moved && to === 'queued' ? ['RouterJobQueued'] : moved && to === 'waitingForActivation' ? ['RouterJobWaitingForActivation'] : [];
  const onMove = ANNOUNCED_ON_MOVE[event.type];
  if (onMove !== undefined) return moved ? [onMove] : [];
  switch (event.type) {
    case 'job.selectorsExpired':
      return ['RouterJobWorkerSelectorsExpired'];
    case 'job.classified':
      return from === 'pendingClassification' ? ['RouterJobClassified'] : [];
    case 'job.close':
      // Closing an assigned job completes it on the way.
      return !moved ? [] : from === 'assigned' ? ['RouterJobCompleted', 'RouterJobClosed'] : ['RouterJobClosed'];
    case 'job.unassign':
      return moved ? ['RouterJobUnassigned', ...entered] : [];
    default:
      return entered;
  }
}

function invariants(step: ModelStep<typeof jobMachine>): void {
  const { label, event, before, after, emitted } = step;
  expect(emitted.map((fact) => fact.type), `what ${label} announces from ${String(before.value)}`).toEqual(announcements(step));
  for (const fact of emitted) {
    // Built from the job as the move leaves it; an unassignment names the assignment it removed, so it is built before.
    expect(fact.job, `the job ${fact.type} is built from`).toBe(fact.type === 'RouterJobUnassigned' ? before.context.job : after.context.job);
  }
  if (TERMINAL.has(String(before.value))) {
    expect(after.value, `a ${String(before.value)} job must ignore ${label}`).toBe(before.value);
  }
  expect(after.context.unassignmentCount).toBeLessThanOrEqual(MAX_UNASSIGNMENTS);
  if (event.type === 'job.unassign' && before.context.unassignmentCount === MAX_UNASSIGNMENTS) {
    expect(after.value, `unassign after ${MAX_UNASSIGNMENTS} unassignments must be refused`).toBe(before.value);
    expect(after.context).toBe(before.context);
  }
}

describeMachineModel(model, {
  invariants,
  afterPath: (run, path) => {
    if (!TERMINAL.has(String(path.target))) return;
    // A finished job, sent every sample there is, stays where it is.
    for (const [label, event] of model.samples(run.snapshot)) invariants(run.send(label, event));
  },
  randomWalks: true,
  contextTests: () => {
    it('announces RouterJobReceived as it starts, and the assignment a completion or unassignment ends', () => {
      const run = new ModelRun(model);
      expect(run.initiallyEmitted).toEqual([
        {
          type: 'RouterJobReceived',
          job,
          jobStatus: 'Queued',
          classificationPolicyId: undefined,
          priority: 1,
          requestedWorkerSelectors: [],
          scheduledOn: undefined,
          unavailableForMatching: false,
        },
      ]);
      run.act('enqueue');
      run.act('assign');
      expect(run.act('unassign').emitted).toMatchObject([{ type: 'RouterJobUnassigned', assignmentId: 'a-1', workerId: 'w-1' }, { type: 'RouterJobQueued' }]);
      run.act('assign');
      expect(run.act('close').emitted).toMatchObject([
        { type: 'RouterJobCompleted', assignmentId: 'a-2', workerId: 'w-1' },
        { type: 'RouterJobClosed', assignmentId: 'a-2', workerId: 'w-1', dispositionCode: 'Resolved' },
      ]);
    });

    it(`refuses an unassignment after ${MAX_UNASSIGNMENTS}`, () => {
      const run = new ModelRun(model);
      run.act('enqueue');
      for (let round = 0; round < MAX_UNASSIGNMENTS; round++) {
        run.act('assign');
        const unassigned = run.act(round % 2 === 0 ? 'unassign' : 'unassign(suspend)');
        expect(unassigned.after.context.unassignmentCount).toBe(round + 1);
        if (run.snapshot.value === 'waitingForActivation') run.act('enqueue');
      }
      run.act('assign');
      const held = run.snapshot;
      for (const label of ['unassign', 'unassign(suspend)']) {
        expect(run.act(label).after, `${label} in ${run.trail}`).toBe(held);
      }
      expect(run.act('complete').after.value).toBe('completed');
    });
  },
});
