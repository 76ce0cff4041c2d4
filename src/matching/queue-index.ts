/**
 * The ordering index a queue supervisor owns: every job waiting in one queue, in dispatch order, grouped so that a
 * worker is matched against each distinct demand (channel + selectors) once rather than against every job.
 */
import { BinaryHeap } from './binary-heap.ts';
import { canServe } from './eligibility.ts';
import { selectorSignature } from './selectors.ts';
import type { SelectorView, WorkerView } from './types.ts';

/**
 * A job as the queue orders it. Dispatch order (spec §3.3): `expedite` first, then `priority` high to low, then
 * `enqueueSeq` ascending (and `jobId` as a last resort, so the order is total and deterministic).
 *
 * An entry read back from the index shares `selectors` with every entry of the same channel and selector signature
 * ({@link selectorSignature}): the same selectors for matching, but not necessarily in the order given nor with the
 * same `expedite` flags — the entry's own `expedite` is what orders it. Entries are plain data: spreading one into
 * a new entry (`{ ...entry, priority }`) is a valid argument to {@link QueueIndex.add}.
 */
export interface IndexEntry {
  readonly jobId: string;
  readonly priority: number;
  readonly enqueueSeq: number;
  /** Epoch ms when the job was queued; {@link QueueIndex.oldest} looks at it, dispatch order does not. */
  readonly enqueuedAt: number;
  /** Some active selector of the job has `expedite: true`. */
  readonly expedite: boolean;
  readonly channelId: string;
  readonly selectors: readonly SelectorView[];
}

/** Dispatch order (spec §3.3): expedited first, then higher priority, then earlier enqueued (then job id, for a total order). */
export function dispatchesBefore(a: IndexEntry, b: IndexEntry): boolean {
  if (a.expedite !== b.expedite) return a.expedite;
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.enqueueSeq !== b.enqueueSeq) return a.enqueueSeq < b.enqueueSeq;
  return a.jobId < b.jobId;
}

function queuedBefore(a: IndexEntry, b: IndexEntry): boolean {
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  if (a.enqueueSeq !== b.enqueueSeq) return a.enqueueSeq < b.enqueueSeq;
  return a.jobId < b.jobId;
}

/** Entries that ask for the same thing: one channel, one selector signature, one shared selectors array. */
class Group {
  /** Unparked entries in dispatch order. */
  readonly heap = new BinaryHeap<Entry>(dispatchesBefore, trackDispatchSlot);
  /** Parked entries are out of the heap (so they cost nothing in matching) but still keep the group alive. */
  parked = 0;
  readonly signature: string;
  readonly channelId: string;
  readonly selectors: readonly SelectorView[];

  constructor(signature: string, channelId: string, selectors: readonly SelectorView[]) {
    this.signature = signature;
    this.channelId = channelId;
    // Copied once per group, never per entry, so a caller reusing its array cannot change the group.
    this.selectors = Object.freeze([...selectors]);
  }
}

/**
 * The stored form of an entry. `channelId` and `selectors` are the group's (shared references, not copies);
 * the slots make removal by job id O(log n).
 */
class Entry implements IndexEntry {
  readonly jobId: string;
  readonly priority: number;
  readonly enqueueSeq: number;
  readonly enqueuedAt: number;
  readonly expedite: boolean;
  readonly channelId: string;
  readonly selectors: readonly SelectorView[];
  readonly group: Group;
  /** Slot in the group's heap; -1 while parked. */
  dispatchSlot = -1;
  /** Slot in the index's age heap. */
  ageSlot = -1;

  constructor(entry: IndexEntry, group: Group) {
    this.jobId = entry.jobId;
    this.priority = entry.priority;
    this.enqueueSeq = entry.enqueueSeq;
    this.enqueuedAt = entry.enqueuedAt;
    this.expedite = entry.expedite;
    this.channelId = group.channelId;
    this.selectors = group.selectors;
    this.group = group;
  }
}

// Module-level so that no group allocates its own closure.
function trackDispatchSlot(entry: Entry, slot: number): void {
  entry.dispatchSlot = slot;
}

function trackAgeSlot(entry: Entry, slot: number): void {
  entry.ageSlot = slot;
}

/**
 * The jobs waiting in one queue.
 *
 * Entries are grouped by {@link selectorSignature}; each group keeps its offerable entries in an indexed binary
 * heap. Matching a worker ({@link QueueIndex.bestFor}) costs O(groups), whatever the number of entries. Add,
 * remove, park and unpark are O(log n); `oldest` is O(1); `position` is O(n).
 */
export class QueueIndex {
  readonly #byId = new Map<string, Entry>();
  readonly #groups = new Map<string, Group>();
  /** Groups with at least one unparked entry: the only ones matching needs to look at. */
  readonly #offerable = new Set<Group>();
  readonly #byAge = new BinaryHeap<Entry>(queuedBefore, trackAgeSlot);
  readonly #priorityCounts = new Map<number, number>();

  /** Number of entries, parked or not (the queue length). */
  get size(): number {
    return this.#byId.size;
  }

  /** Number of distinct demands (channel + selector signature) among the entries: what `bestFor` costs. */
  get groupCount(): number {
    return this.#groups.size;
  }

  /**
   * Adds an entry, replacing one with the same `jobId`. A replaced entry keeps its parked state: parking says the
   * job holds all the offers it may have, which a new priority or new selectors do not change.
   */
  add(entry: IndexEntry): void {
    const previous = this.#byId.get(entry.jobId);
    const parked = previous !== undefined && previous.dispatchSlot < 0;
    if (previous !== undefined) this.remove(entry.jobId);
    const signature = selectorSignature(entry.channelId, entry.selectors);
    let group = this.#groups.get(signature);
    if (group === undefined) {
      group = new Group(signature, entry.channelId, entry.selectors);
      this.#groups.set(signature, group);
    }
    const stored = new Entry(entry, group);
    this.#byId.set(stored.jobId, stored);
    this.#byAge.push(stored);
    this.#priorityCounts.set(stored.priority, (this.#priorityCounts.get(stored.priority) ?? 0) + 1);
    if (parked) group.parked++;
    else this.#makeOfferable(stored);
  }

  /** Removes the entry of `jobId` and returns it; `undefined` when there is none. */
  remove(jobId: string): IndexEntry | undefined {
    const entry = this.#byId.get(jobId);
    if (entry === undefined) return undefined;
    this.#byId.delete(jobId);
    this.#byAge.removeAt(entry.ageSlot);
    const count = (this.#priorityCounts.get(entry.priority) ?? 0) - 1;
    if (count > 0) this.#priorityCounts.set(entry.priority, count);
    else this.#priorityCounts.delete(entry.priority);
    const group = entry.group;
    if (entry.dispatchSlot >= 0) this.#makeUnofferable(entry);
    else group.parked--;
    if (group.heap.size === 0 && group.parked === 0) this.#groups.delete(group.signature);
    return entry;
  }

  /** The entry of `jobId`, if queued. */
  get(jobId: string): IndexEntry | undefined {
    return this.#byId.get(jobId);
  }

  /**
   * Takes the entry out of matching while its job holds all the offers it may have. It still counts for `size`,
   * `position`, `oldest` and `countByPriority`. No effect on an unknown or already parked job.
   */
  park(jobId: string): void {
    const entry = this.#byId.get(jobId);
    if (entry === undefined || entry.dispatchSlot < 0) return;
    this.#makeUnofferable(entry);
    entry.group.parked++;
  }

  /** Puts a parked entry back into matching. No effect on an unknown or unparked job. */
  unpark(jobId: string): void {
    const entry = this.#byId.get(jobId);
    if (entry === undefined || entry.dispatchSlot >= 0) return;
    entry.group.parked--;
    this.#makeOfferable(entry);
  }

  /** Whether `jobId` is queued and parked. */
  isParked(jobId: string): boolean {
    const entry = this.#byId.get(jobId);
    return entry !== undefined && entry.dispatchSlot < 0;
  }

  /**
   * The first unparked entry in dispatch order that `worker` can take: the worker has room on the entry's channel,
   * satisfies its selectors (unless `bypassSelectors`), and `accept(entry)` is true. Worker-level conditions
   * (active, `maxConcurrentOffers`) are the caller's, checked once before calling.
   *
   * Room and selectors are evaluated once per group; a group whose best entry cannot beat the best found so far is
   * skipped without evaluating them. `accept` is called in dispatch order within a group and must not modify the
   * index.
   */
  bestFor(
    worker: WorkerView,
    bypassSelectors: boolean,
    accept: (entry: IndexEntry) => boolean,
  ): IndexEntry | undefined {
    let best: Entry | undefined;
    const beatsBest = (entry: Entry): boolean => best === undefined || dispatchesBefore(entry, best);
    for (const group of this.#offerable) {
      const head = group.heap.peek();
      if (head === undefined || !beatsBest(head)) continue;
      if (!canServe(worker, group.channelId, group.selectors, bypassSelectors)) continue;
      best = group.heap.find(accept, beatsBest) ?? best;
    }
    return best;
  }

  /** 1-based position of `jobId` in dispatch order among all entries, parked ones included. O(n). */
  position(jobId: string): number | undefined {
    const entry = this.#byId.get(jobId);
    if (entry === undefined) return undefined;
    let ahead = 0;
    for (const other of this.#byId.values()) if (dispatchesBefore(other, entry)) ahead++;
    return ahead + 1;
  }

  /** The entry with the smallest `enqueuedAt` (the longest waiting), parked or not. O(1). */
  oldest(): IndexEntry | undefined {
    return this.#byAge.peek();
  }

  /** Number of entries per priority, parked ones included (a fresh map the caller may keep). */
  countByPriority(): Map<number, number> {
    return new Map(this.#priorityCounts);
  }

  /** Every entry, in no particular order. */
  entries(): IterableIterator<IndexEntry> {
    return this.#byId.values();
  }

  #makeOfferable(entry: Entry): void {
    const group = entry.group;
    group.heap.push(entry);
    if (group.heap.size === 1) this.#offerable.add(group);
  }

  #makeUnofferable(entry: Entry): void {
    const group = entry.group;
    group.heap.removeAt(entry.dispatchSlot);
    entry.dispatchSlot = -1;
    if (group.heap.size === 0) this.#offerable.delete(group);
  }
}
