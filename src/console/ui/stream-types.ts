/**
 * The shapes of what the console receives on the WebSocket, apart from the connection itself (no DOM here, so the
 * logic built on them is tested in Node).
 */

/** An event of the feed, with its global sequence number. */
export interface RouterEvent {
  readonly sequenceNumber: number;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type ActorKind = 'job' | 'offer' | 'worker' | 'queue';

/** An actor's state change. `from` is `null` when the actor was just created. */
export interface Transition {
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
}

/** An actor's current state, as a snapshot gives it. */
export interface ActorState {
  readonly kind: ActorKind;
  readonly id: string;
  readonly state: string;
}

/** What a transitions subscription is told: current states first (once), then changes. */
export interface TransitionHandlers {
  onSnapshot(actors: readonly ActorState[]): void;
  onTransition(transition: Transition): void;
}

/** A push of a subscription, as it arrives. */
export type Push = { type: string; subscriptionId: string } & Record<string, unknown>;

/** What subscribes to a stream: the console's connection, or a test's stand-in. */
export interface PushSubscriber {
  subscribe(args: Record<string, unknown>, onPush: (push: Push) => void): Promise<() => void>;
}
