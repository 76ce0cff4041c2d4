/**
 * Every WebSocket message shape that is not an operation of the operations table: the request and answer
 * envelopes, the pushes, and the gateway's own operations (`subscribe`, `unsubscribe`, `attachWorker`). The JSON
 * Schemas in `docs/protocol.md` are generated from these.
 *
 * @module
 */
import { z } from 'zod';
import type { OperationAccess } from '../../auth/authorize.ts';
import { ACTOR_KINDS } from '../../engine/commit-pipeline.ts';
import { errorCatalogue, withCode, type ErrorCode } from '../../errors.ts';
import { RouterEventSchema, RouterEventTypeSchema } from '../../protocol/events.schemas.ts';
import { ResourceIdSchema } from '../../protocol/common.schemas.ts';
import { RouterJobOfferSchema } from '../../protocol/worker.schemas.ts';

/** A request id: chosen by the client, echoed in the answer. */
export const RequestIdSchema = z.union([z.string().max(128), z.number().int().safe()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

/** `{"id", "op", "args"}`: `args` are the operation's flat arguments (path parameters and body fields). */
export const WsRequestSchema = z
  .object({
    id: RequestIdSchema,
    op: z.string(),
    args: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type WsRequest = z.infer<typeof WsRequestSchema>;

const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

/** The error of a refused request: the same fields as REST's `communicationError`. */
export const WsErrorBodySchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  target: z.string().optional(),
});

/** The answer to a request that succeeded. */
export const WsOkSchema = z.object({ id: RequestIdSchema, ok: z.literal(true), result: z.unknown() });

/** The answer to a request that failed; `id` is `null` when the request's id could not be read. */
export const WsFailureSchema = z.object({
  id: RequestIdSchema.nullable(),
  ok: z.literal(false),
  error: WsErrorBodySchema,
});

/** Either answer. */
export const WsAnswerSchema = z.union([WsOkSchema, WsFailureSchema]);
export type WsAnswer = z.infer<typeof WsAnswerSchema>;

/** Pushed for each event matching a `subscribe` on the events stream, in `sequenceNumber` order. */
export const EventPushSchema = z.object({
  type: z.literal('event'),
  subscriptionId: z.string(),
  event: RouterEventSchema,
});

/** The kind of an actor on the transitions stream. */
export const ActorKindSchema = z.enum(ACTOR_KINDS);

/** Pushed for each actor state change to a `subscribe` on the transitions stream; `from` is `null` at creation. */
export const TransitionPushSchema = z.object({
  type: z.literal('transition'),
  subscriptionId: z.string(),
  actor: z.object({ kind: ActorKindSchema, id: z.string() }),
  from: z.string().nullable(),
  to: z.string(),
  event: z.string(),
});
export type TransitionPush = z.infer<typeof TransitionPushSchema>;

/**
 * Pushed once, first, to a transitions subscription made with `snapshot: true`: the current state of every actor
 * its filters match. The transitions that follow start exactly from these states.
 */
export const TransitionSnapshotPushSchema = z.object({
  type: z.literal('snapshot'),
  subscriptionId: z.string(),
  actors: z.array(z.object({ kind: ActorKindSchema, id: z.string(), state: z.string() })),
});
export type TransitionSnapshotPush = z.infer<typeof TransitionSnapshotPushSchema>;

/** The offer events pushed to an attached worker's session. */
export const OFFER_EVENT_TYPES = ['RouterWorkerOfferIssued', 'RouterWorkerOfferRevoked', 'RouterWorkerOfferExpired'] as const;

/** Pushed to a connection attached as `workerId` the moment one of its offers is issued, revoked or expires. */
export const OfferPushSchema = z.object({
  type: z.literal('offer'),
  workerId: z.string(),
  event: RouterEventSchema.extend({ type: z.enum(OFFER_EVENT_TYPES) }),
});
export type OfferPush = z.infer<typeof OfferPushSchema>;

/** Any push: a message from the server that answers no request. */
export const WsPushSchema = z.discriminatedUnion('type', [EventPushSchema, TransitionPushSchema, TransitionSnapshotPushSchema, OfferPushSchema]);
export type WsPush = z.infer<typeof WsPushSchema>;

const filterValue = z.string().min(1).max(256);

/** Most actor ids one transitions subscription may name. */
export const MAX_TRANSITION_IDS = 1000;

const EVENT_FILTERS = ['types', 'jobId', 'workerId', 'queueId', 'fromSequence'] as const;
const TRANSITION_FILTERS = ['kinds', 'ids', 'snapshot'] as const;

/**
 * `subscribe`: the events stream (default) with optional filters, every present filter must match, replaying the
 * retained history from `fromSequence` first; or the transitions stream, filtered by actor `kinds` and `ids`, opened
 * by a `snapshot` of the matching actors' states when asked. Each stream refuses the other's fields.
 */
export const SubscribeArgsSchema = z
  .object({
    stream: z.enum(['events', 'transitions']).default('events'),
    types: z.array(RouterEventTypeSchema).min(1).max(64).optional(),
    jobId: filterValue.optional(),
    workerId: filterValue.optional(),
    queueId: filterValue.optional(),
    fromSequence: z.number().int().min(1).safe().optional(),
    kinds: z.array(ActorKindSchema).min(1).max(ACTOR_KINDS.length).optional(),
    ids: z
      .array(filterValue)
      .min(1)
      .superRefine((ids, context) => {
        if (ids.length > MAX_TRANSITION_IDS)
          context.addIssue({
            code: 'custom',
            message: `at most ${MAX_TRANSITION_IDS} ids per subscription, got ${ids.length}`,
            params: withCode('TooManySubscriptionIds'),
            input: ids,
          });
      })
      .meta({ maxItems: MAX_TRANSITION_IDS })
      .optional(),
    snapshot: z.boolean().optional(),
  })
  .strict()
  .superRefine((args, context) => {
    const foreign = args.stream === 'events' ? TRANSITION_FILTERS : EVENT_FILTERS;
    const given = foreign.find((field) => args[field] !== undefined);
    if (given !== undefined)
      context.addIssue({
        code: 'custom',
        message: `${given} applies to the ${args.stream === 'events' ? 'transitions' : 'events'} stream only`,
        path: [given],
        input: args,
      });
  });
export const SubscribeResultSchema = z.object({
  subscriptionId: z.string(),
  /**
   * Events stream only: the number the subscription delivers from — `fromSequence` when given, else the next number
   * to be published. Nothing below it will be pushed, so subscribing again from it after a disconnect (or from one
   * past the last event received, once one has been) misses nothing.
   */
  nextSequence: z.number().int().min(1).optional(),
});

/** `unsubscribe`: stops one subscription of this connection. */
export const UnsubscribeArgsSchema = z.object({ subscriptionId: z.string().max(128) }).strict();
export const UnsubscribeResultSchema = z.object({});

/**
 * `attachWorker`: this connection becomes a session of the worker and receives its offers. With
 * `deregisterOnDisconnect`, the worker is deregistered `graceSeconds` after its last session drops.
 */
export const AttachWorkerArgsSchema = z
  .object({
    workerId: ResourceIdSchema,
    deregisterOnDisconnect: z.boolean().default(false),
    graceSeconds: z.number().min(0).max(3600).default(10),
  })
  .strict();
/** The worker's live offers at the moment of attaching; later ones are pushed. */
export const AttachWorkerResultSchema = z.object({ workerId: z.string(), offers: z.array(RouterJobOfferSchema) });

/** The gateway's own operations, beside the operations table. */
export const gatewayOperations = {
  subscribe: {
    summary: 'Pushes committed events matching the filters, replayed from `fromSequence` first; or actor state changes (`stream: "transitions"`), filtered by `kinds` and `ids`, after a `snapshot` of current states when asked.',
    args: SubscribeArgsSchema,
    result: SubscribeResultSchema,
    access: 'admin',
  },
  unsubscribe: {
    summary: 'Stops one subscription of this connection.',
    args: UnsubscribeArgsSchema,
    result: UnsubscribeResultSchema,
    access: 'admin',
  },
  attachWorker: {
    summary: "Makes this connection a session of the worker: its offers are pushed as committed; optionally deregisters it when its last session drops.",
    args: AttachWorkerArgsSchema,
    result: AttachWorkerResultSchema,
    access: 'ownWorker',
  },
} as const satisfies Record<string, { readonly summary: string; readonly args: z.ZodType; readonly result: z.ZodType; readonly access: OperationAccess }>;

/** Name of a gateway operation. */
export type GatewayOperationName = keyof typeof gatewayOperations;

/** Arguments as a client writes them (defaults optional). */
export type GatewayArgs<Op extends GatewayOperationName> = z.input<(typeof gatewayOperations)[Op]['args']>;
/** A gateway operation's result. */
export type GatewayResult<Op extends GatewayOperationName> = z.infer<(typeof gatewayOperations)[Op]['result']>;
