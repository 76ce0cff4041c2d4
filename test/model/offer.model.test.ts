/**
 * The offer machine from its own graph (spec §3.3): every state and transition reached by a generated path replayed
 * on a real actor, and every offer ending exactly once.
 */
import { transition } from 'xstate';
import { expect, it } from 'vitest';
import { type OfferInput, offerMachine } from '../../machines/offer.machine.ts';
import { describeMachineModel, type MachineModel, ModelRun, type ModelStep } from './model-harness.ts';

const T0 = Date.UTC(2026, 0, 1);
const EXPIRES_AT = T0 + 30_000;

const input: OfferInput = {
  offerId: 'o-1',
  jobId: 'job-1',
  workerId: 'w-1',
  queueId: 'q-1',
  channelId: 'chat',
  capacityCost: 1,
  offeredAt: T0,
  expiresAt: EXPIRES_AT,
};

const model: MachineModel<typeof offerMachine> = {
  machine: offerMachine,
  input,
  samples: () => [
    ['accept', { type: 'offer.accept', at: T0 + 1_000 }],
    ['decline', { type: 'offer.decline', at: T0 + 2_000 }],
    ['decline(retry)', { type: 'offer.decline', at: T0 + 2_000, retryOfferAt: T0 + 120_000 }],
    ['expire(early)', { type: 'offer.expire', at: EXPIRES_AT - 1 }],
    ['expire', { type: 'offer.expire', at: EXPIRES_AT }],
    ['revoke', { type: 'offer.revoke', at: T0 + 3_000 }],
  ],
};

const ENDINGS: Readonly<Record<string, string>> = {
  declined: 'RouterWorkerOfferDeclined',
  expired: 'RouterWorkerOfferExpired',
  revoked: 'RouterWorkerOfferRevoked',
};

/**
 * An offer records its end when, and only when, it ends, and announces how it ended (spec §3.8); an accept is the
 * worker's to announce, as the offer becomes its assignment.
 */
function invariants({ label, event, before, after, emitted }: ModelStep<typeof offerMachine>): void {
  const ending = before.status === 'active' && after.status === 'done' ? ENDINGS[String(after.value)] : undefined;
  expect(emitted, `what ${label} announces`).toEqual(ending === undefined ? [] : [{ type: ending, offer: after.context }]);
  if (after.status === 'done') {
    expect(before.status, `${label} ends an offer that had already ended`).toBe('active');
    expect(after.context.endedAt).toBe(event.at);
  } else {
    expect(after.context.endedAt, `${label} records an end without ending`).toBeUndefined();
  }
}

describeMachineModel(model, {
  invariants,
  afterPath: (run, path) => {
    const ends = run.steps.filter(({ before, after }) => before.status === 'active' && after.status === 'done');
    const final = offerMachine.getStateNodeById(`offer.${String(path.target)}`).type === 'final';
    expect(ends.length, 'the offer ends exactly once').toBe(final ? 1 : 0);
    if (!final) return;
    // Whatever comes after the end, the ended offer stays as it is (the engine refuses such commands because of it).
    const ended = run.snapshot;
    for (const [label, event] of model.samples(ended)) {
      const [next] = transition(offerMachine, ended, event);
      expect({ value: next.value, status: next.status, context: next.context }, `${label} after ${run.trail}`).toEqual({
        value: ended.value,
        status: ended.status,
        context: ended.context,
      });
    }
  },
  contextTests: () => {
    it('announces RouterWorkerOfferIssued as it starts, with its times on the wire', () => {
      expect(new ModelRun(model).initiallyEmitted).toEqual([
        { type: 'RouterWorkerOfferIssued', offer: { ...input, endedAt: undefined, retryOfferAt: undefined }, offeredOn: '2026-01-01T00:00:00.000Z', expiresOn: '2026-01-01T00:00:30.000Z' },
      ]);
    });

    it('never expires without an expiry time', () => {
      const run = new ModelRun({ ...model, input: { ...input, expiresAt: undefined } });
      expect(run.act('expire').after.value).toBe('issued');
    });

    it('keeps the retry time of a decline', () => {
      expect(new ModelRun(model).act('decline(retry)').after.context.retryOfferAt).toBe(T0 + 120_000);
      expect(new ModelRun(model).act('decline').after.context.retryOfferAt).toBeUndefined();
    });
  },
});
