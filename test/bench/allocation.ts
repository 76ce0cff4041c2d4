/**
 * Bytes allocated while a piece of work runs, garbage included: V8's sampling heap profiler keeps the samples of
 * objects that collections freed too, so the sampled sizes add up to what was allocated, not to what survived.
 */
import { Session } from 'node:inspector/promises';

/** On average one sample per this many bytes: fine enough for a per-lifecycle figure over a few thousand. */
const SAMPLING_INTERVAL = 4096;

interface SamplingNode {
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

function totalSize(node: SamplingNode): number {
  let size = node.selfSize;
  for (const child of node.children) size += totalSize(child);
  return size;
}

export async function bytesAllocated(work: () => Promise<void>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    // Both flags are V8's (HeapProfiler.startSampling); Node's types do not list them yet.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as { samplingInterval: number });
    await work();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return totalSize(profile.head as SamplingNode);
  } finally {
    session.disconnect();
  }
}
