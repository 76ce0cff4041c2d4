/**
 * Following some actors on the transitions stream: their current states first, then every change.
 */
import type { ActorKind, ActorState, PushSubscriber, Transition, TransitionHandlers } from './stream-types.ts';
import { fallbackTransitions } from './transitions-fallback.ts';

/** Which actors to follow: of these kinds, and with these ids (at most 1000; none means every actor of the kinds). */
export interface ActorSelection {
  readonly kinds: readonly ActorKind[];
  readonly ids: readonly string[];
}

/**
 * Asks the server for exactly these actors, with a snapshot of their current states first (`kinds`, `ids`,
 * `snapshot: true`). A server whose transitions stream takes no such arguments refuses them with `InvalidRequest`,
 * and then {@link fallbackTransitions} does the same from the plain stream and `restStates`.
 *
 * @returns the unsubscribe
 */
export async function followTransitions(
  subscriber: PushSubscriber,
  selection: ActorSelection,
  handlers: TransitionHandlers,
  restStates: () => Promise<ActorState[]>,
): Promise<() => void> {
  try {
    return await subscriber.subscribe({ stream: 'transitions', kinds: selection.kinds, ids: selection.ids, snapshot: true }, (push) => {
      if (push.type === 'snapshot') handlers.onSnapshot(push['actors'] as ActorState[]);
      else if (push.type === 'transition') handlers.onTransition(push as unknown as Transition);
    });
  } catch (error) {
    if ((error as { code?: unknown } | undefined)?.code !== 'InvalidRequest') throw error;
    return fallbackTransitions(subscriber, selection, handlers, restStates);
  }
}
