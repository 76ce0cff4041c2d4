import { assign, setup } from 'xstate';

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
 * `issued` → `accepted` | `declined` | `expired` | `revoked`, each final: an offer ends exactly once, and any later
 * command against it is refused by the engine because the machine no longer accepts it.
 */
export const offerMachine = setup({
  types: { context: {} as OfferContext, events: {} as OfferEvent, input: {} as OfferInput },
  actions: {
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
      on: {
        'offer.accept': { target: 'accepted', actions: 'recordEnd' },
        'offer.decline': { target: 'declined', actions: ['recordEnd', 'recordRetry'] },
        'offer.expire': { target: 'expired', guard: 'isDue', actions: 'recordEnd' },
        'offer.revoke': { target: 'revoked', actions: 'recordEnd' },
      },
    },
    accepted: { type: 'final' },
    declined: { type: 'final' },
    expired: { type: 'final' },
    revoked: { type: 'final' },
  },
});
