/**
 * Regression: a `__proto__` key in labels or tags (as JSON.parse makes it: an own property) set the map's prototype
 * during the merge patch and vanished, answering 201 without it. It, `constructor` and `prototype` are refused.
 */
import { describe, expect, it } from 'vitest';
import { setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

describe('object-machinery keys in a body are refused', () => {
  for (const key of ['__proto__', 'constructor', 'prototype'])
    for (const field of ['labels', 'tags'])
      it(`job ${field}.${key}`, async () => {
        const { router } = await openTestRouter();
        await setupQueue(router);
        const body: unknown = JSON.parse(`{"queueId": "q", "channelId": "voice", "${field}": {"${key}": "x", "ok": 1}}`);
        const error = await expectRefusal(router.upsertJob('j', body), 'InvalidRequest');
        expect(error.target).toBe(`${field}.${key}`);
        expect(error.message).toContain(`"${key}" is not allowed as a key`);
        await expectRefusal(router.getJob('j'), 'NotFound');
      });

  it('in the label maps of workers, queues and exception actions too', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const proto = (json: string): unknown => JSON.parse(json);
    await expectRefusal(router.upsertWorker('w', proto('{"labels": {"__proto__": {"polluted": true}}}')), 'InvalidRequest');
    await expectRefusal(router.upsertQueue('q2', proto('{"labels": {"__proto__": "x"}}')), 'InvalidRequest');
    const rule = '{"id": "r", "trigger": {"kind": "waitTime", "thresholdSeconds": 1}, "actions": [{"kind": "reclassify", "labelsToUpsert": {"__proto__": 1}}]}';
    const error = await expectRefusal(router.upsertExceptionPolicy('ep', proto(`{"exceptionRules": [${rule}]}`)), 'InvalidRequest');
    expect(error.target).toBe('exceptionRules.0.actions.0.labelsToUpsert.__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
