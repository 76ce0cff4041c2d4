/**
 * The events a short scenario emits, in order, pinned: which transitions announce events (the machines' `emit`) and
 * which are assembled outside them must never change what a subscriber receives, nor in what order.
 */
import { expect, it } from 'vitest';
import { RouterEventTypeSchema } from '../../src/protocol/events.schemas.ts';
import { workerBody } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

it('a scenario emits every event type, in the order it always has', async () => {
  const { router, clock, advance, events } = await openTestRouter();
  await router.upsertDistributionPolicy('dp', { offerExpiresAfterSeconds: 30, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { name: 'Main', distributionPolicyId: 'dp' });
  await router.upsertExceptionPolicy('ep', {
    exceptionRules: [{ id: 'slow', trigger: { kind: 'waitTime', thresholdSeconds: 10 }, actions: [{ kind: 'cancel' }] }],
  });
  await router.upsertQueue('unstaffed', { distributionPolicyId: 'dp', exceptionPolicyId: 'ep' });
  await router.upsertClassificationPolicy('cp', {
    queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'q' } }],
  });
  await router.upsertClassificationPolicy('cp-none', {
    queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'nowhere' } }],
  });
  const offerOf = async (jobId: string) => (await router.getWorker('w')).offers.find((offer) => offer.jobId === jobId)!.offerId;

  await router.upsertWorker('w', workerBody({ channels: { voice: 1 } }));
  await router.upsertWorker('w', { tags: { team: 'blue' } });
  await router.upsertJob('a', { channelId: 'voice', queueId: 'q' });
  const first = await router.acceptJobOffer('w', await offerOf('a'));
  await router.unassignJob('a', first.assignmentId);
  const second = await router.acceptJobOffer('w', await offerOf('a'));
  await router.unassignJob('a', second.assignmentId, { suspendMatching: true });
  await router.upsertJob('a', { matchingMode: { kind: 'queueAndMatch' } });
  const third = await router.acceptJobOffer('w', await offerOf('a'));
  await router.completeJob('a', third.assignmentId);
  await router.closeJob('a', third.assignmentId);
  await router.deleteJob('a');
  await router.upsertJob('b', { channelId: 'voice', queueId: 'q' });
  await router.declineJobOffer('w', await offerOf('b'));
  await router.cancelJob('b');
  await router.upsertJob('c', { channelId: 'voice', classificationPolicyId: 'cp' });
  const fourth = await router.acceptJobOffer('w', await offerOf('c'));
  await router.closeJob('c', fourth.assignmentId, { closeAt: new Date(clock.now() + 5_000).toISOString() });
  await router.upsertJob('d', { channelId: 'voice', classificationPolicyId: 'cp-none' });
  await router.upsertJob('e', { channelId: 'voice', queueId: 'q', requestedWorkerSelectors: [{ key: 'x', labelOperator: 'equal', value: 1, expiresAfterSeconds: 1 }] });
  await router.upsertJob('f', { channelId: 'voice', queueId: 'unstaffed' });
  await router.upsertJob('g', { channelId: 'voice', queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(clock.now() + 20_000).toISOString() } });
  await router.upsertJob('h', { channelId: 'voice', queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(clock.now() + 100 * DAY).toISOString() } });
  // Selector expiry at 1 s, the deferred close at 5 s, the exception rule at 10 s, the schedule at 20 s, offer expiry at 31 s.
  for (const step of [1_000, 4_000, 5_000, 10_000, 11_000]) await advance(step);
  await router.upsertWorker('w', { availableForOffers: false });
  await router.deleteWorker('w');

  const sequence = events.map((event) => `${event.type.replace(/^Router/, '')} ${event.subject}`);
  expect(sequence).toEqual([
    'WorkerRegistered worker/w',
    'WorkerUpdated worker/w',
    'JobReceived job/a/channel/voice',
    'JobQueued job/a/channel/voice/queue/q',
    'WorkerOfferIssued worker/w/job/a',
    'WorkerOfferAccepted worker/w/job/a',
    'JobUnassigned job/a/channel/voice/assignment/id8',
    'JobQueued job/a/channel/voice/queue/q',
    'WorkerOfferIssued worker/w/job/a',
    'WorkerOfferAccepted worker/w/job/a',
    'JobUnassigned job/a/channel/voice/assignment/id14',
    'JobWaitingForActivation job/a/channel/voice',
    'JobQueued job/a/channel/voice/queue/q',
    'WorkerOfferIssued worker/w/job/a',
    'WorkerOfferAccepted worker/w/job/a',
    'JobCompleted job/a/channel/voice/assignment/id21',
    'JobClosed job/a/channel/voice/assignment/id21',
    'JobDeleted job/a/channel/voice',
    'JobReceived job/b/channel/voice',
    'JobQueued job/b/channel/voice/queue/q',
    'WorkerOfferIssued worker/w/job/b',
    'WorkerOfferDeclined worker/w/job/b',
    'JobCancelled job/b/channel/voice/disposition/Cancelled',
    'JobReceived job/c/channel/voice',
    'JobClassified job/c/channel/voice/classificationpolicy/cp',
    'JobQueued job/c/channel/voice/queue/q',
    'WorkerOfferIssued worker/w/job/c',
    'WorkerOfferAccepted worker/w/job/c',
    'JobCompleted job/c/channel/voice/assignment/id37',
    'JobReceived job/d/channel/voice',
    'JobClassificationFailed job/d/channel/voice/classificationpolicy/cp-none',
    'JobReceived job/e/channel/voice',
    'JobQueued job/e/channel/voice/queue/q',
    'JobReceived job/f/channel/voice',
    'JobQueued job/f/channel/voice/queue/unstaffed',
    'JobReceived job/g/channel/voice',
    'JobReceived job/h/channel/voice',
    'JobSchedulingFailed job/h/channel/voice',
    'JobWorkerSelectorsExpired job/e/channel/voice',
    'WorkerOfferIssued worker/w/job/e',
    'JobClosed job/c/channel/voice/assignment/id37',
    'JobExceptionTriggered job/f/channel/voice/exceptionrule/slow',
    'JobCancelled job/f/channel/voice/disposition/Cancelled',
    'JobWaitingForActivation job/g/channel/voice',
    'WorkerOfferExpired worker/w/job/e',
    'WorkerOfferIssued worker/w/job/e',
    'WorkerOfferRevoked worker/w/job/e',
    'WorkerDeregistered worker/w',
    'WorkerDeleted worker/w',
  ]);
  expect(new Set(events.map((event) => event.type))).toEqual(new Set(RouterEventTypeSchema.options));
});
