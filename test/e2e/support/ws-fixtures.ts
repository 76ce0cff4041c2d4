/**
 * Routing set-ups shared by the WebSocket end-to-end tests and the server benchmark, made through the typed client.
 */
import type { SwitchboardClient } from '../../../src/client/index.ts';

/** A distribution policy and a queue using it; offers last `offerSeconds`. */
export async function createQueue(client: SwitchboardClient, queueId: string, offerSeconds = 60): Promise<void> {
  await client.call('upsertDistributionPolicy', {
    distributionPolicyId: `${queueId}-policy`,
    offerExpiresAfterSeconds: offerSeconds,
    mode: { kind: 'longestIdle' },
  });
  await client.call('upsertQueue', { queueId, distributionPolicyId: `${queueId}-policy` });
}

/** A worker registered on `queueId`, taking `capacity` jobs at once on channel `voice`. */
export async function createWorker(client: SwitchboardClient, workerId: string, queueId: string, capacity = 1): Promise<void> {
  await client.call('upsertWorker', {
    workerId,
    queues: [queueId],
    capacity,
    channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
    availableForOffers: true,
  });
}

