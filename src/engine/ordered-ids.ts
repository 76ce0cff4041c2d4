import { createRequire } from 'node:module';
import type sortedBtree from 'sorted-btree';

// sorted-btree is CommonJS with an ES-style `exports.default`, which ES-module interop unwraps differently under
// Node and under Vite (tests); `require` sees the same object everywhere.
const { default: BTree } = createRequire(import.meta.url)('sorted-btree') as typeof sortedBtree;

/**
 * A map from resource id to value that also keeps its ids in order (by UTF-16 code units, as the store orders
 * them), so lists can be paged by id: a page token names the last id served and the next page starts after it,
 * wherever the items before it went meanwhile. Iterating the map itself keeps `Map`'s insertion order; only
 * `entriesAfter` walks in id order. Each insert and delete costs O(log n).
 */
export class OrderedIdMap<V> extends Map<string, V> {
  readonly #order = new BTree<string, undefined>();

  /** Starts empty: `Map`'s constructor would call `set` with initial entries before `#order` exists. */
  constructor() {
    super();
  }

  override set(id: string, value: V): this {
    // One hash lookup, not `has` then `set`: a restart sets a million ids.
    const size = super.size;
    super.set(id, value);
    if (super.size !== size) this.#order.set(id, undefined);
    return this;
  }

  override delete(id: string): boolean {
    this.#order.delete(id);
    return super.delete(id);
  }

  override clear(): void {
    this.#order.clear();
    super.clear();
  }

  /** Entries in id order, starting just after `afterId` (from the first id when it is undefined). */
  *entriesAfter(afterId?: string): Generator<[string, V]> {
    for (const id of this.#order.keys(afterId)) if (id !== afterId) yield [id, super.get(id)!];
  }
}
