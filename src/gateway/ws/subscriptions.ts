import type { z } from 'zod';
import { RouterError } from '../../errors.ts';
import type { Router } from '../../router.ts';
import { WS_CLOSE_CODES } from './close-codes.ts';
import { heldSender, type Connection } from './connection.ts';
import type { SubscribeArgsSchema } from './messages.schemas.ts';

/** What a gateway operation answers, and what to do once that answer has been sent. */
export interface GatewayAnswer<R> {
  readonly result: R;
  /** Runs right after the answer is sent: lets pushes that follow it flow. */
  readonly afterAnswer?: (() => void) | undefined;
}

/**
 * `subscribe`: starts an events or transitions subscription on the connection. Its pushes are held until the
 * answer carrying the subscription id has gone out. A transitions subscription with `snapshot` pushes the current
 * states of the actors it matches first, then the changes that follow them, none missed and none repeated.
 *
 * @throws RouterError `EventsNoLongerAvailable` when `fromSequence` is older than the retained history, and
 *   `SequenceBeyondHead` when it is beyond the next sequence number
 */
export function subscribe(
  router: Router,
  connection: Connection,
  args: z.output<typeof SubscribeArgsSchema>,
): GatewayAnswer<{ subscriptionId: string; nextSequence?: number }> {
  const pushes = heldSender(connection);
  if (args.stream === 'transitions') {
    const kinds = args.kinds && new Set(args.kinds);
    const ids = args.ids && new Set(args.ids);
    const subscriptionId = connection.addSubscription((id) =>
      router.watchTransitions(
        kinds,
        ids,
        ({ actor, from, to, event }) => pushes.send({ type: 'transition', subscriptionId: id, actor, from, to, event }),
        args.snapshot === true ? (actors) => pushes.send({ type: 'snapshot', subscriptionId: id, actors }) : undefined,
      ),
    );
    return { result: { subscriptionId }, afterAnswer: pushes.open };
  }

  const { fromSequence, types, jobId, workerId, queueId } = args;
  // Checked here, before anything is sent, because the router reports it only once the subscription has started.
  if (fromSequence !== undefined) router.checkReplayFrom(fromSequence);

  // Read before the listener is added, in the same synchronous step: every later-published event reaches it.
  const nextSequence = fromSequence ?? router.nextPublishedSequence;
  const subscriptionId = connection.addSubscription((id) => {
    let active = true;
    const started = router.subscribe(
      { types, jobId, workerId, queueId },
      (event) => {
        if (active) pushes.send({ type: 'event', subscriptionId: id, event });
      },
      fromSequence,
    );
    // A replay that fails half-way would leave a gap the client cannot see, so the connection is not kept.
    started.catch(() => connection.close(WS_CLOSE_CODES.internalError));
    return () => {
      active = false;
      void started.then((unsubscribe) => unsubscribe(), () => undefined);
    };
  });
  return { result: { subscriptionId, nextSequence }, afterAnswer: pushes.open };
}

/**
 * `unsubscribe`: stops one of this connection's subscriptions.
 *
 * @throws RouterError `NotFound` when the connection has no subscription with that id
 */
export function unsubscribe(connection: Connection, subscriptionId: string): GatewayAnswer<Record<string, never>> {
  if (!connection.removeSubscription(subscriptionId))
    throw new RouterError('NotFound', `no subscription ${subscriptionId} on this connection`, 'subscriptionId');
  return { result: {} };
}
