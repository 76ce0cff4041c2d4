/**
 * The event reference (`routerEvents` in `src/protocol/events.schemas.ts`, rendered into `docs/protocol.md`) is what
 * the engine really emits: one router is driven through every event type, and each event's data, as a client
 * receives it (JSON), must be exactly its type's declared fields, every declared field must show up, and subjects
 * are pinned here by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventFieldGroups,
  routerEventDataSchemas,
  routerEvents,
  RouterEventTypeSchema,
  type EventFieldGroup,
  type RouterEvent,
  type RouterEventType,
} from '../../src/protocol/events.schemas.ts';
import type { Router } from '../../src/router.ts';
import { workerBody } from '../support/builders.ts';
import { openTestRouter, type TestRouter } from '../support/router-fixture.ts';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** A job on channel `voice` with a channel reference, labels and tags, so that every common job field is filled. */
function upsertJob(router: Router, jobId: string, fields: Record<string, unknown>) {
  return router.upsertJob(jobId, { channelId: 'voice', channelReference: `call-${jobId}`, labels: { tier: 1 }, tags: { source: 'web' }, ...fields });
}

async function offerOf(router: Router, workerId: string, jobId: string): Promise<string> {
  const offer = (await router.getWorker(workerId)).offers.find((candidate) => candidate.jobId === jobId);
  expect(offer, `an offer of ${jobId} to ${workerId}`).toBeDefined();
  return offer!.offerId;
}

/** Drives a router through every event type; returns the events and the ids the subjects are checked with. */
async function driveEveryEvent(): Promise<{ events: RouterEvent[]; assignments: Record<string, string> }> {
  const test: TestRouter = await openTestRouter();
  const { router, clock, advance } = test;
  const assignments: Record<string, string> = {};
  await router.upsertDistributionPolicy('dp', { offerExpiresAfterSeconds: 30, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { name: 'Main', distributionPolicyId: 'dp', labels: { region: 'eu' } });
  await router.upsertExceptionPolicy('ep', {
    exceptionRules: [{ id: 'slow', trigger: { kind: 'waitTime', thresholdSeconds: 60 }, actions: [{ kind: 'cancel', note: 'waited too long', dispositionCode: 'Timeout' }] }],
  });
  await router.upsertQueue('unstaffed', { distributionPolicyId: 'dp', exceptionPolicyId: 'ep' });
  await router.upsertClassificationPolicy('cp', {
    queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'q' } }],
    prioritizationRule: { kind: 'static', value: 5 },
    workerSelectorAttachments: [{ kind: 'static', workerSelector: { key: 'skill', labelOperator: 'equal', value: 'a', expiresAfterSeconds: 10 } }],
  });
  await router.upsertClassificationPolicy('cp-none', {
    queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'nowhere' } }],
  });

  // Registered, then Updated.
  await router.upsertWorker('w1', { ...workerBody({ channels: { voice: 1 }, labels: { skill: 'a' } }), tags: { team: 'red' } });
  await router.upsertWorker('w1', { tags: { team: 'blue' } });

  // Received, Queued, OfferIssued, OfferAccepted, Completed, Closed, Deleted.
  await upsertJob(router, 'life', { queueId: 'q' });
  assignments['life'] = (await router.acceptJobOffer('w1', await offerOf(router, 'w1', 'life'))).assignmentId;
  await router.completeJob('life', assignments['life']);
  await router.closeJob('life', assignments['life'], { dispositionCode: 'Resolved' });
  await router.deleteJob('life');

  // OfferDeclined; OfferRevoked and Cancelled.
  await upsertJob(router, 'declined', { queueId: 'q' });
  await router.declineJobOffer('w1', await offerOf(router, 'w1', 'declined'));
  await upsertJob(router, 'cancelled', { queueId: 'q' });
  await offerOf(router, 'w1', 'cancelled');
  await router.cancelJob('cancelled', { note: 'caller hung up', dispositionCode: 'Abandoned' });

  // Unassigned, followed by Queued, then by WaitingForActivation.
  await upsertJob(router, 'unassigned', { queueId: 'q' });
  const first = await router.acceptJobOffer('w1', await offerOf(router, 'w1', 'unassigned'));
  await router.unassignJob('unassigned', first.assignmentId);
  const second = await router.acceptJobOffer('w1', await offerOf(router, 'w1', 'unassigned'));
  assignments['unassigned'] = second.assignmentId;
  await router.unassignJob('unassigned', second.assignmentId, { suspendMatching: true });

  // Classified (with attached selectors), ClassificationFailed.
  await upsertJob(router, 'classified', { classificationPolicyId: 'cp' });
  await upsertJob(router, 'unclassified', { classificationPolicyId: 'cp-none' });

  // WorkerSelectorsExpired: a requested selector nobody matches expires.
  await upsertJob(router, 'picky', { queueId: 'q', requestedWorkerSelectors: [{ key: 'skill', labelOperator: 'equal', value: 'z', expiresAfterSeconds: 5 }] });

  // ExceptionTriggered (then Cancelled by its action), in a queue without workers.
  await upsertJob(router, 'waiting', { queueId: 'unstaffed' });

  // Received with scheduledOn, WaitingForActivation with scheduledOn; SchedulingFailed.
  await upsertJob(router, 'scheduled', { queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(clock.now() + HOUR).toISOString() } });
  await upsertJob(router, 'too-far', { queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(clock.now() + 100 * DAY).toISOString() } });

  // Selectors expire at 5 s and 10 s, offers at 30 s, the exception rule fires at 60 s, the schedule comes at 1 h.
  for (const step of [5 * SECOND, 5 * SECOND, 20 * SECOND, 30 * SECOND, HOUR]) await advance(step);

  // Deregistered, Deleted.
  await router.upsertWorker('w2', workerBody({ queues: ['unstaffed'] }));
  await router.upsertWorker('w2', { availableForOffers: false });
  await router.deleteWorker('w2');
  return { events: test.events, assignments };
}

/** Data as a client receives it: JSON drops the fields the engine left undefined. */
const onTheWire = (event: RouterEvent): Record<string, unknown> => JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>;

describe('the event reference matches what the engine emits', () => {
  let events: RouterEvent[];
  let assignments: Record<string, string>;
  const ofType = (type: RouterEventType) => events.filter((event) => event.type === type);

  beforeAll(async () => {
    ({ events, assignments } = await driveEveryEvent());
  });

  it('the scenarios emit every event type', () => {
    const seen = new Set(events.map((event) => event.type));
    expect(RouterEventTypeSchema.options.filter((type) => !seen.has(type)), 'event types never emitted').toEqual([]);
  });

  it.each(RouterEventTypeSchema.options)('%s: every emitted data has exactly the declared fields, of the declared types', (type) => {
    for (const event of ofType(type)) {
      const parsed = routerEventDataSchemas[type].safeParse(onTheWire(event));
      expect(parsed.error?.issues, `event #${event.sequenceNumber} ${type} ${JSON.stringify(onTheWire(event))}`).toBeUndefined();
    }
  });

  it.each(RouterEventTypeSchema.options)('%s: every field it declares of its own is emitted at least once', (type) => {
    const seen = new Set(ofType(type).flatMap((event) => Object.keys(onTheWire(event))));
    expect(Object.keys(routerEvents[type].extra).filter((field) => !seen.has(field)), 'declared, never emitted').toEqual([]);
  });

  it.each(Object.keys(eventFieldGroups) as EventFieldGroup[])('the %s fields are each emitted at least once', (group) => {
    const types = RouterEventTypeSchema.options.filter((type) => routerEvents[type].group === group);
    const seen = new Set(types.flatMap(ofType).flatMap((event) => Object.keys(onTheWire(event))));
    expect(Object.keys(eventFieldGroups[group]).filter((field) => !seen.has(field)), 'declared, never emitted').toEqual([]);
  });

  it('subjects follow spec §3.8', () => {
    const first = (type: RouterEventType, jobId?: string) =>
      ofType(type).find((event) => jobId === undefined || event.data['jobId'] === jobId)?.subject;
    expect({
      RouterJobReceived: first('RouterJobReceived', 'life'),
      RouterJobClassified: first('RouterJobClassified', 'classified'),
      RouterJobQueued: first('RouterJobQueued', 'life'),
      RouterJobClassificationFailed: first('RouterJobClassificationFailed', 'unclassified'),
      RouterJobCompleted: first('RouterJobCompleted', 'life'),
      RouterJobClosed: first('RouterJobClosed', 'life'),
      RouterJobCancelled: first('RouterJobCancelled', 'cancelled'),
      RouterJobExceptionTriggered: first('RouterJobExceptionTriggered', 'waiting'),
      RouterJobWorkerSelectorsExpired: first('RouterJobWorkerSelectorsExpired', 'picky'),
      RouterJobUnassigned: ofType('RouterJobUnassigned').at(-1)?.subject,
      RouterJobWaitingForActivation: first('RouterJobWaitingForActivation', 'scheduled'),
      RouterJobSchedulingFailed: first('RouterJobSchedulingFailed', 'too-far'),
      RouterJobDeleted: first('RouterJobDeleted', 'life'),
      RouterWorkerOfferIssued: first('RouterWorkerOfferIssued', 'life'),
      RouterWorkerOfferAccepted: first('RouterWorkerOfferAccepted', 'life'),
      RouterWorkerOfferDeclined: first('RouterWorkerOfferDeclined', 'declined'),
      RouterWorkerOfferRevoked: first('RouterWorkerOfferRevoked', 'cancelled'),
      RouterWorkerOfferExpired: first('RouterWorkerOfferExpired'),
      RouterWorkerRegistered: first('RouterWorkerRegistered'),
      RouterWorkerDeregistered: first('RouterWorkerDeregistered'),
      RouterWorkerDeleted: first('RouterWorkerDeleted'),
      RouterWorkerUpdated: first('RouterWorkerUpdated'),
    } satisfies Record<RouterEventType, string | undefined>).toEqual({
      RouterJobReceived: 'job/life/channel/voice',
      RouterJobClassified: 'job/classified/channel/voice/classificationpolicy/cp',
      RouterJobQueued: 'job/life/channel/voice/queue/q',
      RouterJobClassificationFailed: 'job/unclassified/channel/voice/classificationpolicy/cp-none',
      RouterJobCompleted: `job/life/channel/voice/assignment/${assignments['life']}`,
      RouterJobClosed: `job/life/channel/voice/assignment/${assignments['life']}`,
      RouterJobCancelled: 'job/cancelled/channel/voice/disposition/Abandoned',
      RouterJobExceptionTriggered: 'job/waiting/channel/voice/exceptionrule/slow',
      RouterJobWorkerSelectorsExpired: 'job/picky/channel/voice',
      RouterJobUnassigned: `job/unassigned/channel/voice/assignment/${assignments['unassigned']}`,
      RouterJobWaitingForActivation: 'job/scheduled/channel/voice',
      RouterJobSchedulingFailed: 'job/too-far/channel/voice',
      RouterJobDeleted: 'job/life/channel/voice',
      RouterWorkerOfferIssued: 'worker/w1/job/life',
      RouterWorkerOfferAccepted: 'worker/w1/job/life',
      RouterWorkerOfferDeclined: 'worker/w1/job/declined',
      RouterWorkerOfferRevoked: 'worker/w1/job/cancelled',
      RouterWorkerOfferExpired: expect.stringMatching(/^worker\/w1\/job\/[a-z-]+$/),
      RouterWorkerRegistered: 'worker/w1',
      RouterWorkerDeregistered: 'worker/w2',
      RouterWorkerDeleted: 'worker/w2',
      RouterWorkerUpdated: 'worker/w1',
    });
  });
});
