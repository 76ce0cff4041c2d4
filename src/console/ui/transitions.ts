/**
 * Following some actors on the transitions stream: their current states first, then every change.
 */
import type { ActorKind, ActorState, PushSubscriber, Transition, TransitionHandlers } from './stream-types.ts';

/** Which actors to follow: of these kinds, and with these ids (at most 1000; none means every actor of the kinds). */
export interface ActorSelection {
  readonly kinds: readonly ActorKind[];
  readonly ids: readonly string[];
}

/**
 * Asks the server for exactly these actors, with a snapshot of their current states first (`kinds`, `ids`,
 * `snapshot: true`): the server filters, and reads the snapshot in the same step as it starts the subscription, so
 * the changes that follow start exactly where the snapshot left off.
 *
 * @returns the unsubscribe
 */
export async function followTransitions(subscriber: PushSubscriber, selection: ActorSelection, handlers: TransitionHandlers): Promise<() => void> {
  return subscriber.subscribe({ stream: 'transitions', kinds: selection.kinds, ids: selection.ids, snapshot: true }, (push) => {
    if (push.type === 'snapshot') handlers.onSnapshot(push['actors'] as ActorState[]);
    else if (push.type === 'transition') handlers.onTransition(push as unknown as Transition);
  });
}
