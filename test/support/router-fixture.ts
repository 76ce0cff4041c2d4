/**
 * A router on a manual clock with deterministic ids and every committed event recorded, for scenario and property
 * tests. Commands resolve after their commit; deadlines fire inside `clock.advance`, and their commit follows on the
 * microtask queue, so `advance` waits for it before returning.
 */
import { ManualClock } from '../../src/engine/clock.ts';
import type { RouterEvent, RouterEventType } from '../../src/protocol/events.schemas.ts';
import { Router, type RouterOptions } from '../../src/router.ts';
import type { Store } from '../../src/store/store.ts';

/** 2026-01-01T00:00:00Z, the manual clock's default start. */
export const T0 = Date.UTC(2026, 0, 1);

export interface TestRouter {
  readonly router: Router;
  readonly clock: ManualClock;
  /** Every event committed since the router opened (or since `fromSequence`), in commit order. */
  readonly events: RouterEvent[];
  /** Moves the clock and waits until whatever the due deadlines did is committed and published. */
  advance(ms: number): Promise<void>;
  /** The events of the given types, in order. */
  eventsOf(...types: RouterEventType[]): RouterEvent[];
}

export interface TestRouterOptions {
  readonly store?: Store;
  readonly clock?: ManualClock;
  /** Prefix of generated ids, so two routers on one store never mint the same id. */
  readonly idPrefix?: string;
  /** Replay the store's events from this sequence number into `events`. */
  readonly fromSequence?: number;
  /** Passed to `Router.open`: a rule evaluator that answers later or records, a seeded random source. */
  readonly ruleEvaluator?: RouterOptions['ruleEvaluator'];
  readonly random?: RouterOptions['random'];
}

/** Resolves once every commit already under way has been written and its events published. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function openTestRouter(options: TestRouterOptions = {}): Promise<TestRouter> {
  const clock = options.clock ?? new ManualClock(T0);
  const prefix = options.idPrefix ?? 'id';
  let next = 0;
  const { ruleEvaluator, random } = options;
  const router = await Router.open({ clock, store: options.store, newId: () => `${prefix}${++next}`, ruleEvaluator, random });
  const events: RouterEvent[] = [];
  await router.subscribe({}, (event) => events.push(event), options.fromSequence);
  return {
    router,
    clock,
    events,
    async advance(ms) {
      clock.advance(ms);
      await settle();
      // A durable store commits off the event loop, so what the deadlines did may still be on its way to disk.
      await router.engine.flush();
    },
    eventsOf: (...types) => events.filter((event) => types.includes(event.type)),
  };
}
