import type { z } from 'zod';
import type { GatewayArgs, OfferPush, TransitionPush, TransitionSnapshotPush } from '../gateway/ws/messages.schemas.ts';
import type { OperationArgs, OperationName, OperationResult } from '../operations/table.ts';
import type { RouterEvent } from '../protocol/events.schemas.ts';
import type { writableSchemas } from '../protocol/resources.ts';

/**
 * The resource an upsert patches: `upsertDistributionPolicy` → `distributionPolicy`. The table accepts an upsert's
 * body fields loosely (the Router validates the merged patch), so the client types them from the resource's
 * writable schema instead.
 */
type UpsertedResource<N extends string> = N extends `upsert${infer R}`
  ? Uncapitalize<R> extends keyof typeof writableSchemas
    ? Uncapitalize<R>
    : never
  : never;

/** A JSON merge patch of `T`: every field optional, `null` removes it, objects patched field by field. */
export type MergePatch<T> = { [K in keyof T]?: PatchValue<T[K]> | null };

/** Distributes over optional fields' `undefined`, so an optional object is still patched field by field. */
type PatchValue<V> = V extends readonly unknown[] ? V : V extends object ? MergePatch<V> : V;

/** `T` without its index signature, keeping only the named fields. */
type NamedFields<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/** What {@link SwitchboardClient.call} takes for operation `N`: the table's flat arguments, with upsert bodies typed. */
export type CallArgs<N extends OperationName> = [UpsertedResource<N>] extends [never]
  ? OperationArgs<N>
  : NamedFields<OperationArgs<N>> & MergePatch<z.input<(typeof writableSchemas)[UpsertedResource<N>]>>;

/** What {@link SwitchboardClient.call} resolves to for operation `N`. */
export type CallResult<N extends OperationName> = OperationResult<N>;

/** Filters of an events subscription; every present filter must match. */
export type EventFilter = Pick<GatewayArgs<'subscribe'>, 'types' | 'jobId' | 'workerId' | 'queueId' | 'fromSequence'>;

/** Which actors a transitions subscription follows (`kinds`, at most 1000 `ids`) and whether a snapshot opens it. */
export type TransitionFilter = Pick<GatewayArgs<'subscribe'>, 'kinds' | 'ids' | 'snapshot'>;

/** A subscription on the connection. */
export interface Subscription {
  readonly subscriptionId: string;
  /** Events subscriptions: the first sequence number it can deliver (see the protocol's `subscribe`). */
  readonly nextSequence?: number | undefined;
  /** Stops the pushes; resolves once the server has confirmed. */
  unsubscribe(): Promise<void>;
}

/** One actor state change, as pushed on the transitions stream. */
export type Transition = Omit<TransitionPush, 'type' | 'subscriptionId'>;

/** One actor's state in a transitions snapshot. */
export type ActorState = TransitionSnapshotPush['actors'][number];

/** An offer event pushed to an attached worker: issued, revoked or expired. */
export type OfferEvent = OfferPush['event'];

/** Options of {@link SwitchboardClient.attachWorker}. */
export type AttachWorkerOptions = Omit<GatewayArgs<'attachWorker'>, 'workerId'>;

/** Receives events of a subscription, in `sequenceNumber` order. */
export type EventHandler = (event: RouterEvent) => void;
