import { assign, emit, setup } from 'xstate';
import type { EventExtra, EventFact, OfferJobFields } from '../src/protocol/events.schemas.ts';
import { toIso as iso } from '../src/time.ts';

/** An offer of one job to one worker. Times are epoch ms and arrive in events (machines hold no clock). */
export interface OfferContext {
  readonly offerId: string;
  readonly jobId: string;
  readonly workerId: string;
  readonly queueId: string;
  readonly channelId: string;
  readonly capacityCost: number;
  readonly offeredAt: number;
  readonly expiresAt: number | undefined;
  readonly endedAt: number | undefined;
  /** Set by a decline with `retryOfferAt`: when the decliner becomes eligible for the job again. */
  readonly retryOfferAt: number | undefined;
}

export type OfferInput = Omit<OfferContext, 'endedAt' | 'retryOfferAt'>;

export type OfferEvent =
  | { type: 'offer.accept'; at: number }
  | { type: 'offer.decline'; at: number; retryOfferAt?: number | undefined }
  | { type: 'offer.expire'; at: number }
  | { type: 'offer.revoke'; at: number };

/**
 * `RouterWorkerOfferAccepted` is the worker's to announce (`worker.machine.ts`): its transition turns the offer into
 * an assignment, and so knows the assignment's id.
 */
type OfferFactType =
  | 'RouterWorkerOfferIssued'
  | 'RouterWorkerOfferDeclined'
  | 'RouterWorkerOfferExpired'
  | 'RouterWorkerOfferRevoked';

/**
 * What an offer's transition emits: the event type, the offer, and the event's own fields but those describing the
 * job and the worker ({@link OfferJobFields}), which the offer does not hold.
 */
export type OfferFact = { [T in OfferFactType]: EventFact<T, { readonly offer: OfferContext }, Omit<EventExtra<T>, keyof OfferJobFields>> }[OfferFactType];

/**
 * `issued` → `accepted` | `declined` | `expired` | `revoked`, each final: an offer ends exactly once, and any later
 * command against it is refused by the engine because the machine no longer accepts it. Entering `issued` and
 * each ending but the accept announce their event of spec §3.8 (an {@link OfferFact}).
 */
export const offerMachine = setup({
  types: { context: {} as OfferContext, events: {} as OfferEvent, input: {} as OfferInput, emitted: {} as OfferFact },
  actions: {
    announceIssued: emit(({ context }) => ({
      type: 'RouterWorkerOfferIssued' as const,
      offer: context,
      offeredOn: iso(context.offeredAt),
      expiresOn: context.expiresAt === undefined ? undefined : iso(context.expiresAt),
    })),
    announceDeclined: emit(({ context }) => ({ type: 'RouterWorkerOfferDeclined' as const, offer: context })),
    announceExpired: emit(({ context }) => ({ type: 'RouterWorkerOfferExpired' as const, offer: context })),
    announceRevoked: emit(({ context }) => ({ type: 'RouterWorkerOfferRevoked' as const, offer: context })),
    recordEnd: assign({ endedAt: ({ event }) => event.at }),
    recordRetry: assign({
      retryOfferAt: ({ event }) => (event.type === 'offer.decline' ? event.retryOfferAt : undefined),
    }),
  },
  guards: {
    isDue: ({ context, event }) => context.expiresAt !== undefined && event.at >= context.expiresAt,
  },
}).createMachine({
  id: 'offer',
  initial: 'issued',
  context: ({ input }) => ({ ...input, endedAt: undefined, retryOfferAt: undefined }),
  states: {
    issued: {
      // Only a new offer enters `issued`: one restored from the store is started without announcing it again.
      entry: 'announceIssued',
      on: {
        'offer.accept': { target: 'accepted', actions: 'recordEnd' },
        'offer.decline': { target: 'declined', actions: ['recordEnd', 'recordRetry', 'announceDeclined'] },
        'offer.expire': { target: 'expired', guard: 'isDue', actions: ['recordEnd', 'announceExpired'] },
        'offer.revoke': { target: 'revoked', actions: ['recordEnd', 'announceRevoked'] },
      },
    },
    accepted: { type: 'final' },
    declined: { type: 'final' },
    expired: { type: 'final' },
    revoked: { type: 'final' },
  },
});
