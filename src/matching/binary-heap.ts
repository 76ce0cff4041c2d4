/**
 * A binary heap with optional position tracking. It serves both the queue index (an indexed heap: each entry knows
 * its slot, so removal by id is O(log n)) and the bounded top-k selection of distribution (no tracking needed).
 */

/** `true` when `a` must come out of the heap before `b`. Must be a strict total order for stable results. */
export type Before<T> = (a: T, b: T) => boolean;

/** Told every time an item lands in a new slot, so the owner can remove it later by slot. */
export type Moved<T> = (item: T, index: number) => void;

const untracked: Moved<unknown> = () => undefined;

/**
 * A min-heap under `before`: `peek()` is the item that comes before every other.
 *
 * Comparator and move callback are given once per heap, never per item, so an item costs one array slot.
 */
export class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #before: Before<T>;
  readonly #moved: Moved<T>;

  /**
   * @param before - the heap order.
   * @param moved - called with an item and its new slot whenever it moves (for removal by slot with `removeAt`).
   */
  constructor(before: Before<T>, moved: Moved<T> = untracked) {
    this.#before = before;
    this.#moved = moved;
  }

  /** Number of items. */
  get size(): number {
    return this.#items.length;
  }

  /** The first item in heap order, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item in O(log n). */
  push(item: T): void {
    this.#items.push(item);
    this.#siftUp(this.#items.length - 1, item);
  }

  /** Removes and returns the first item in O(log n). */
  pop(): T | undefined {
    return this.#items.length === 0 ? undefined : this.removeAt(0);
  }

  /**
   * Removes the item in slot `index` (as last reported through `moved`) in O(log n).
   *
   * @throws RangeError when `index` is not a slot of this heap — the caller's slot bookkeeping is broken.
   */
  removeAt(index: number): T {
    const items = this.#items;
    const removed = items[index];
    const last = items.pop();
    if (removed === undefined || last === undefined) throw new RangeError(`no heap slot ${index}`);
    if (index < items.length) {
      // The last item fills the hole; it may belong above or below it.
      if (index > 0 && this.#before(last, this.#at((index - 1) >> 1))) this.#siftUp(index, last);
      else this.#siftDown(index, last);
    }
    return removed;
  }

  /** Replaces the first item with `item` in O(log n) (one sift instead of a pop and a push). */
  replaceTop(item: T): void {
    if (this.#items.length === 0) {
      this.push(item);
      return;
    }
    this.#siftDown(0, item);
  }

  /**
   * Visits items in heap order without changing the heap and returns the first one `accept` takes. The visit stops
   * as soon as `within` is false for an item, since every later item comes after it too.
   *
   * The root is tried without allocating; only when it is rejected does the walk keep a frontier of slots
   * (O(k log k) for k items visited).
   */
  find(accept: (item: T) => boolean, within: (item: T) => boolean): T | undefined {
    const items = this.#items;
    const root = items[0];
    if (root === undefined || !within(root)) return undefined;
    if (accept(root)) return root;
    const frontier = new BinaryHeap<number>((a, b) => this.#before(this.#at(a), this.#at(b)));
    this.#pushChildren(frontier, 0);
    for (let slot = frontier.pop(); slot !== undefined; slot = frontier.pop()) {
      const item = this.#at(slot);
      if (!within(item)) return undefined;
      if (accept(item)) return item;
      this.#pushChildren(frontier, slot);
    }
    return undefined;
  }

  /** Removes every item and returns them in heap order (O(n log n)). */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.pop(); item !== undefined; item = this.pop()) out.push(item);
    return out;
  }

  #pushChildren(frontier: BinaryHeap<number>, slot: number): void {
    const left = 2 * slot + 1;
    if (left < this.#items.length) frontier.push(left);
    if (left + 1 < this.#items.length) frontier.push(left + 1);
  }

  /** The item in a slot known to be occupied. */
  #at(index: number): T {
    return this.#items[index] as T;
  }

  #place(item: T, index: number): void {
    this.#items[index] = item;
    this.#moved(item, index);
  }

  #siftUp(index: number, item: T): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = this.#at(parent);
      if (!this.#before(item, above)) break;
      this.#place(above, i);
      i = parent;
    }
    this.#place(item, i);
  }

  #siftDown(index: number, item: T): void {
    const items = this.#items;
    const n = items.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#before(this.#at(right), this.#at(left)) ? right : left;
      const below = this.#at(child);
      if (!this.#before(below, item)) break;
      this.#place(below, i);
      i = child;
    }
    this.#place(item, i);
  }
}
