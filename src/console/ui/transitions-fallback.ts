/**
 * For a server whose transitions stream takes no `kinds`, `ids` or `snapshot` (it refuses them): the plain stream,
 * filtered here, with the current states read over REST. Kept apart so it can go once every server takes them.
 */
import type { ActorKind, ActorState, PushSubscriber, Transition, TransitionHandlers } from './stream-types.ts';

/**
 * Subscribes first and holds what arrives, then reads the current states, so a change made in between is neither
 * lost nor applied twice: a held transition is applied only when it starts from the state read.
 */
export async function fallbackTransitions(
  feed: PushSubscriber,
  selection: { kinds: readonly ActorKind[]; ids: readonly string[] },
  handlers: TransitionHandlers,
  restStates: () => Promise<ActorState[]>,
): Promise<() => void> {
  const kinds = new Set(selection.kinds);
  const ids = new Set(selection.ids);
  let held: Transition[] | undefined = [];
  const unsubscribe = await feed.subscribe({ stream: 'transitions' }, (push) => {
    if (push.type !== 'transition') return;
    const transition = push as unknown as Transition;
    if (!kinds.has(transition.actor.kind) || (ids.size > 0 && !ids.has(transition.actor.id))) return;
    if (held) held.push(transition);
    else handlers.onTransition(transition);
  });
  const states = await restStates().catch((error: unknown) => {
    unsubscribe();
    throw error;
  });
  handlers.onSnapshot(states);
  const current = new Map(states.map((actor) => [`${actor.kind}/${actor.id}`, actor.state]));
  for (const transition of held) {
    const key = `${transition.actor.kind}/${transition.actor.id}`;
    if (current.has(key) && current.get(key) !== transition.from) continue;
    current.set(key, transition.to);
    handlers.onTransition(transition);
  }
  held = undefined;
  return unsubscribe;
}
