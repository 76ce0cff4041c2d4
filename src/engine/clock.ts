/**
 * Time enters the router only through a Clock, so that tests can drive every deadline by hand and a replay gives the
 * same result. The engine arms at most one timer at a time (for the earliest deadline).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `wake` once at or after epoch-ms `at`; returns a function that disarms it. */
  wakeAt(at: number, wake: () => void): () => void;
}

/** The real clock. Long delays are clamped because Node's timers overflow past 2^31-1 ms. */
export const systemClock: Clock = {
  now: () => Date.now(),
  wakeAt(at, wake) {
    const timer = setTimeout(wake, Math.min(Math.max(0, at - Date.now()), 2_147_483_647));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when a test advances it; due wake-ups run in time order, synchronously. */
export class ManualClock implements Clock {
  #now: number;
  #wakes = new Map<number, { at: number; wake: () => void }>();
  #nextId = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  wakeAt(at: number, wake: () => void): () => void {
    const id = this.#nextId++;
    this.#wakes.set(id, { at, wake });
    return () => this.#wakes.delete(id);
  }

  /** Moves time forward by `ms`, stopping at each due wake-up on the way so it sees the time it asked for. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      let next: [number, { at: number; wake: () => void }] | undefined;
      for (const entry of this.#wakes) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#wakes.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].wake();
    }
    this.#now = Math.max(this.#now, target);
  }
}
