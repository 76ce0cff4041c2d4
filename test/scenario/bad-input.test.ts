import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors.ts';
import type { Router } from '../../src/router.ts';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';
import { visibleState } from '../support/state-snapshot.ts';

/** Each bad command, the code it must be refused with, and the field it must name. */
const cases: ReadonlyArray<{ name: string; code: ErrorCode; target: string; send: (router: Router) => Promise<unknown> }> = [
  { name: 'new job with priority 101', code: 'InvalidRequest', target: 'priority', send: (r) => r.upsertJob('new', { queueId: 'q', channelId: 'voice', priority: 101 }) },
  { name: 'existing job set to priority -101', code: 'InvalidRequest', target: 'priority', send: (r) => r.upsertJob('j', { priority: -101 }) },
  {
    name: 'worker channel with a negative capacityCostPerJob',
    code: 'InvalidRequest',
    target: 'channels.0.capacityCostPerJob',
    send: (r) => r.upsertWorker('w', { channels: [{ channelId: 'voice', capacityCostPerJob: -1 }] }),
  },
  {
    name: 'selector with an unknown labelOperator',
    code: 'InvalidRequest',
    target: 'requestedWorkerSelectors.0.labelOperator',
    send: (r) => r.upsertJob('j', { requestedWorkerSelectors: [{ key: 'lang', labelOperator: 'like', value: 'en' }] }),
  },
  { name: 'job in an unknown queue', code: 'ReferenceNotFound', target: 'queueId', send: (r) => r.upsertJob('new', { queueId: 'nope', channelId: 'voice' }) },
  { name: 'job moved to an unknown queue', code: 'ReferenceNotFound', target: 'queueId', send: (r) => r.upsertJob('j', { queueId: 'nope' }) },
  { name: 'worker listening on an unknown queue', code: 'ReferenceNotFound', target: 'queues.1', send: (r) => r.upsertWorker('w', { queues: ['q', 'nope'] }) },
  { name: 'queue with an unknown distribution policy', code: 'ReferenceNotFound', target: 'distributionPolicyId', send: (r) => r.upsertQueue('q', { distributionPolicyId: 'nope' }) },
  { name: 'job without a channel', code: 'InvalidRequest', target: 'channelId', send: (r) => r.upsertJob('new', { queueId: 'q' }) },
  {
    name: 'distribution mode with minConcurrentOffers above maxConcurrentOffers',
    code: 'InvalidRequest',
    target: 'mode.minConcurrentOffers',
    send: (r) => r.upsertDistributionPolicy('dp', { mode: { kind: 'roundRobin', minConcurrentOffers: 3, maxConcurrentOffers: 2 } }),
  },
  { name: 'worker with a negative capacity', code: 'InvalidRequest', target: 'capacity', send: (r) => r.upsertWorker('w', { capacity: -1 }) },
];

describe('bad input', () => {
  for (const { name, code, target, send } of cases)
    it(`${name}: refused with ${code} naming ${target}, and nothing changes`, async () => {
      const { router } = await openTestRouter();
      await setupQueue(router);
      await registerWorker(router, 'w', { capacity: 2, channels: { voice: 1 } });
      await createJob(router, 'j');
      await createJob(router, 'k');
      const before = await visibleState(router);
      const refusal = await expectRefusal(send(router), code);
      expect(refusal.target).toBe(target);
      expect(await visibleState(router)).toEqual(before);
    });
});
