import { MemoryStore } from '../../src/store/memory-store.ts';
import { describeStoreConformance } from './store-conformance.ts';

// The memory adapter keeps its data across `reopen` (it is the same object); with `json` it holds exactly what a
// durable adapter would have written, so the suite checks the persisted form too.
describeStoreConformance('memory, through a JSON round trip', {
  open: async ({ eventRetention, now }) =>
    new MemoryStore({ json: true, eventRetention: eventRetention?.count, eventMaxAgeMs: eventRetention?.maxAgeMs, now }),
  reopen: async (store) => store,
});
