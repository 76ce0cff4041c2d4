/**
 * The transitions subscription of a late joiner, over random command sequences: a subscriber that joins part-way
 * with a random `kinds` / `ids` filter and `snapshot: true` receives exactly the current states of the actors it
 * matches, then exactly the later transitions of those actors, in the order they happened, and nothing else; and
 * the snapshot with those transitions applied is the actors' current state when the commands are done.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTOR_KINDS, type ActorKind, type ActorState, type Transition } from '../../src/engine/commit-pipeline.ts';
import type { Connection } from '../../src/gateway/ws/connection.ts';
import { SubscribeArgsSchema } from '../../src/gateway/ws/messages.schemas.ts';
import { subscribe } from '../../src/gateway/ws/subscriptions.ts';
import type { WsPush } from '../../src/gateway/ws/messages.schemas.ts';
import type { Router } from '../../src/router.ts';
import { settle } from '../support/router-fixture.ts';
import { openWorld, opsArb, perform, setupArb, type Setup, type Op } from './router-model.ts';

/** Ids the filter draws from: jobs, workers and queues by their names, offers by the ids the router mints. */
const ID_POOL = [
  ...Array.from({ length: 8 }, (_, i) => `job${i}`),
  'w0', 'w1', 'w2', 'w3', 'w4', 'q0', 'q1',
  ...Array.from({ length: 30 }, (_, i) => `id${i + 1}`),
];
const OFFER_ENDS = new Set(['accepted', 'declined', 'expired', 'revoked']);

interface Filter {
  readonly kinds: readonly ActorKind[] | undefined;
  readonly ids: readonly string[] | undefined;
}

const filterArb: fc.Arbitrary<Filter> = fc.record({
  kinds: fc.option(fc.subarray([...ACTOR_KINDS], { minLength: 1 }), { nil: undefined }),
  ids: fc.option(fc.subarray(ID_POOL, { minLength: 1, maxLength: 12 }), { nil: undefined }),
});

const matches = (filter: Filter, kind: ActorKind, id: string) =>
  (filter.kinds === undefined || filter.kinds.includes(kind)) && (filter.ids === undefined || filter.ids.includes(id));
const keyOf = (kind: string, id: string) => `${kind}/${id}`;

/**
 * What the router says its actors are now, read through its public reads rather than the engine's snapshot: a job's
 * status, a worker's state, `issued` for every offer a worker holds, and a queue's supervisor (queues show no state
 * over the API).
 */
async function currentStates(router: Router, filter: Filter): Promise<Map<string, string>> {
  await settle();
  await router.engine.flush();
  const [jobs, workers] = await Promise.all([router.listJobs({ maxpagesize: 1000 }), router.listWorkers({ maxpagesize: 1000 })]);
  const states: Array<[ActorKind, string, string]> = [
    ...jobs.value.map((job): [ActorKind, string, string] => ['job', job.id, job.status]),
    ...workers.value.flatMap((worker) => worker.offers.map((offer): [ActorKind, string, string] => ['offer', offer.offerId, 'issued'])),
    ...workers.value.map((worker): [ActorKind, string, string] => ['worker', worker.id, worker.state]),
    ...[...router.engine.actors.supervisors].map(([id, supervisor]): [ActorKind, string, string] => ['queue', id, String(supervisor.getSnapshot().value)]),
  ];
  return new Map(states.filter(([kind, id]) => matches(filter, kind, id)).map(([kind, id, state]) => [keyOf(kind, id), state]));
}

/** A connection that keeps what the gateway sends it; enough of one for `subscribe`. */
function recordingConnection(): { connection: Connection; sent: WsPush[] } {
  const sent: WsPush[] = [];
  let next = 0;
  const connection = {
    addSubscription: (start: (id: string) => () => void) => {
      const id = `s${++next}`;
      start(id);
      return id;
    },
    send: (message: WsPush) => sent.push(message),
  };
  return { connection: connection as unknown as Connection, sent };
}

async function lateJoiner(setup: Setup, ops: readonly Op[], joinAt: number, filter: Filter): Promise<void> {
  const world = await openWorld(setup);
  const { router } = world.session;
  // Every transition from here on, unfiltered: what the subscriber's share is checked against.
  const witnessed: Transition[] = [];
  const stopWitness = router.engine.onTransition((transition) => witnessed.push(transition));
  try {
    for (const op of ops.slice(0, joinAt)) await perform(world, op);

    const atJoin = await currentStates(router, filter);
    const joinedAfter = witnessed.length;
    const { connection, sent } = recordingConnection();
    const args = SubscribeArgsSchema.parse({ stream: 'transitions', snapshot: true, ...filter });
    subscribe(router, connection, args).afterAnswer?.();

    for (const op of ops.slice(joinAt)) await perform(world, op);
    const atEnd = await currentStates(router, filter);

    const [snapshot, ...rest] = sent;
    if (snapshot?.type !== 'snapshot') throw new Error(`the first push is the snapshot, not ${snapshot?.type}`);
    const actors: readonly ActorState[] = snapshot.actors;
    expect(new Map(actors.map((actor) => [keyOf(actor.kind, actor.id), actor.state])), 'the snapshot is the current state of exactly the matching actors').toEqual(atJoin);

    const expected = witnessed.slice(joinedAfter).filter((transition) => matches(filter, transition.actor.kind, transition.actor.id));
    const received = rest.map((push): Transition => {
      if (push.type !== 'transition') throw new Error(`after the snapshot only transitions, not ${push.type}`);
      return { actor: push.actor, from: push.from, to: push.to, event: push.event };
    });
    expect(received, 'exactly the later matching transitions, in order').toEqual(expected);

    // The subscriber's view: each transition starts where the view has its actor (or creates it), and the result
    // is the router's state.
    const view = new Map(actors.map((actor) => [keyOf(actor.kind, actor.id), actor.state]));
    for (const [n, transition] of expected.entries()) {
      const key = keyOf(transition.actor.kind, transition.actor.id);
      if (transition.from !== null) expect(view.get(key), `transition ${n} of ${key} starts where the view has it`).toBe(transition.from);
      view.set(key, transition.to);
    }
    for (const [key, state] of atEnd) expect(view.get(key), `the view has ${key} as the router does`).toBe(state);
    for (const [key, state] of view) {
      if (atEnd.has(key)) continue;
      // What the view still holds and the router no longer has: an offer that ended, or a deleted job, worker or queue.
      if (key.startsWith('offer/')) expect(OFFER_ENDS.has(state), `${key} is gone but the view says ${state}`).toBe(true);
      else expect(router.engine.actors.actorStates(undefined, new Set([key.slice(key.indexOf('/') + 1)])).map((actor) => keyOf(actor.kind, actor.id))).not.toContain(key);
    }
  } finally {
    stopWitness();
    await world.session.router.close();
  }
}

/** A restart opens another router, which a subscription to the first one does not follow. */
const withoutRestarts = opsArb.map((ops) => ops.filter((op) => op.kind !== 'restart'));

describe('a late joiner on the transitions stream', () => {
  it('gets the matching actors’ states, then exactly their later transitions, and its view ends as the router’s', async () => {
    const scenario = withoutRestarts.chain((ops) => fc.tuple(fc.constant(ops), fc.nat({ max: ops.length }), filterArb));
    await fc.assert(
      fc.asyncProperty(setupArb, scenario, (setup, [ops, joinAt, filter]) => lateJoiner(setup, ops, joinAt, filter)),
      { numRuns: 150 },
    );
  });
});
