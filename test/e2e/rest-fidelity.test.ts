/**
 * Azure fidelity over the wire, through a real server: what the Azure Job Router SDK sends and expects back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import { restClient, type RestClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

let server: ServerProcess;
let rest: RestClient;

beforeAll(async () => {
  server = await startServerProcess();
  rest = restClient(server.url);
  await rest.patch('/routing/distributionPolicies/fi-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await rest.patch('/routing/queues/fi-queue', { distributionPolicyId: 'fi-policy' });
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

describe('Azure fidelity over REST', () => {
  it('regression: {priority: null, dispositionCode: null, channelReference: null} removes them (SDK "should update a job")', async () => {
    await rest.patch('/routing/jobs/fi-null', {
      queueId: 'fi-queue',
      channelId: 'voice',
      priority: 5,
      dispositionCode: 'Pending',
      channelReference: 'call-1',
    });
    const updated = await rest.patch<RouterJob>('/routing/jobs/fi-null', { priority: null, dispositionCode: null, channelReference: null });
    expect(updated.status).toBe(200);
    expect(updated.json.priority).toBe(1);
    expect(updated.json).not.toHaveProperty('dispositionCode');
    expect(updated.json).not.toHaveProperty('channelReference');
  });

  it('regression: a scheduleAndSuspend job is answered pendingSchedule, then reads scheduled', async () => {
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await rest.patch<RouterJob>('/routing/jobs/fi-scheduled', {
      queueId: 'fi-queue',
      channelId: 'voice',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    expect(created).toMatchObject({ status: 201, json: { status: 'pendingSchedule' } });
    expect((await rest.get<RouterJob>('/routing/jobs/fi-scheduled')).json.status).toBe('scheduled');
  });

  it('regression: a kebab-case kind (longest-idle) is accepted and answered camelCase', async () => {
    const created = await rest.patch<DistributionPolicy>('/routing/distributionPolicies/fi-kebab', { mode: { kind: 'longest-idle' } });
    expect(created).toMatchObject({ status: 201, json: { mode: { kind: 'longestIdle' } } });
    expect((await rest.get<DistributionPolicy>('/routing/distributionPolicies/fi-kebab')).json.mode?.kind).toBe('longestIdle');
  });
});
