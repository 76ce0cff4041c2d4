import type { Clock } from './clock.ts';

interface Deadline {
  at: number;
  seq: number;
  key: string;
  index: number;
}

/**
 * Every deadline of the router (offer expiry, retryOfferAt, closeAt, scheduleAt, selector expiry, exception wait
 * time) in one binary min-heap keyed by a string, with one timer armed on the clock for the earliest. Machines never
 * hold timers (DESIGN rule 4); when a deadline is due the engine turns it into an event for the actor concerned.
 *
 * Keys read `<kind>:<subject>` or `<kind>:<subject>|<detail>` (`retry:<jobId>|<workerId>`). Keys with a detail are
 * grouped by `<kind>:<subject>`, so that {@link cancelGroup} drops all of a subject's deadlines of one kind when the
 * subject is deleted, without scanning the heap.
 */
export class DeadlineHeap {
  readonly #clock: Clock;
  readonly #onDue: (key: string, at: number) => void;
  readonly #heap: Deadline[] = [];
  readonly #byKey = new Map<string, Deadline>();
  /** `<kind>:<subject>` → the keys with a detail under it. */
  readonly #groups = new Map<string, Set<string>>();
  #seq = 0;
  #disarm: (() => void) | undefined;
  #armedAt = Infinity;

  constructor(clock: Clock, onDue: (key: string, at: number) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** How many `<kind>:<subject>` groups of keys with a detail are held. */
  get groupCount(): number {
    return this.#groups.size;
  }

  /** Sets (or moves) the deadline for `key`. */
  arm(key: string, at: number): void {
    this.cancel(key);
    const deadline: Deadline = { at, seq: this.#seq++, key, index: this.#heap.length };
    this.#heap.push(deadline);
    this.#byKey.set(key, deadline);
    const group = groupOf(key);
    if (group !== undefined) {
      let keys = this.#groups.get(group);
      if (!keys) this.#groups.set(group, (keys = new Set()));
      keys.add(key);
    }
    this.#up(deadline.index);
    this.#rearm();
  }

  cancel(key: string): void {
    const deadline = this.#byKey.get(key);
    if (!deadline) return;
    this.#byKey.delete(key);
    const group = groupOf(key);
    const keys = group === undefined ? undefined : this.#groups.get(group);
    keys?.delete(key);
    if (group !== undefined && keys?.size === 0) this.#groups.delete(group);
    const last = this.#heap.pop()!;
    if (last !== deadline) {
      this.#heap[deadline.index] = last;
      last.index = deadline.index;
      this.#down(last.index);
      this.#up(last.index);
    }
  }

  /** Cancels `<kind>:<subject>` and every `<kind>:<subject>|<detail>`. */
  cancelGroup(kind: string, subject: string): void {
    const group = `${kind}:${subject}`;
    this.cancel(group);
    for (const key of [...(this.#groups.get(group) ?? [])]) this.cancel(key);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** Fires every deadline that is due now, earliest first (ties in the order they were armed). */
  fireDue(): void {
    const now = this.#clock.now();
    for (let top = this.#heap[0]; top && top.at <= now; top = this.#heap[0]) {
      this.cancel(top.key);
      this.#onDue(top.key, top.at);
    }
    this.#rearm();
  }

  stop(): void {
    this.#disarm?.();
    this.#disarm = undefined;
    this.#armedAt = Infinity;
  }

  #rearm(): void {
    const next = this.#heap[0]?.at ?? Infinity;
    if (next === this.#armedAt) return;
    this.stop();
    if (next === Infinity) return;
    this.#armedAt = next;
    this.#disarm = this.#clock.wakeAt(next, () => {
      this.#disarm = undefined;
      this.#armedAt = Infinity;
      this.fireDue();
    });
  }

  #less(a: Deadline, b: Deadline): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i]!;
    const b = this.#heap[j]!;
    this.#heap[i] = b;
    this.#heap[j] = a;
    a.index = j;
    b.index = i;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#heap[i]!, this.#heap[parent]!)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.#less(this.#heap[l]!, this.#heap[smallest]!)) smallest = l;
      if (r < n && this.#less(this.#heap[r]!, this.#heap[smallest]!)) smallest = r;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}

/** The `<kind>:<subject>` of a key with a detail, or undefined for a key without one. */
function groupOf(key: string): string | undefined {
  const bar = key.indexOf('|');
  return bar === -1 ? undefined : key.slice(0, bar);
}
