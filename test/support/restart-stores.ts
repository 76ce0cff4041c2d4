/**
 * The stores a restart is tested on: each opens a store for the first router and, for the restarted one, the same
 * data as a new process would find it. Memory by reference, memory through JSON (exactly what a durable store
 * persists), and SQLite on a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';

export interface RestartStore {
  readonly name: string;
  fresh(): Promise<{ readonly first: Store; again(): Promise<Store> }>;
}

const root = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const inMemory = (json: boolean) => async () => {
  const store = new MemoryStore({ json });
  return { first: store, again: async () => store };
};

export const restartStores: readonly RestartStore[] = [
  { name: 'memory', fresh: inMemory(false) },
  { name: 'memory through JSON', fresh: inMemory(true) },
  {
    name: 'sqlite',
    fresh: async () => {
      const dataDir = join(root, `d${++dirs}`);
      return { first: await SqliteStore.open({ dataDir }), again: () => SqliteStore.open({ dataDir }) };
    },
  },
];
