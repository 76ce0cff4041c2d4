import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { restClient } from './support/rest-client.ts';
import { logLines, startServerProcess, type ServerProcess } from './support/server-process.ts';
import { startWebhookReceiver, type Received, type WebhookReceiver } from './support/webhook-receiver.ts';

const root = mkdtempSync(join(tmpdir(), 'switchboard-webhooks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Fast retries, so that failures play out within a test. */
const FAST = ['--webhook-retry-initial', '50ms', '--webhook-retry-max', '200ms', '--webhook-timeout', '300ms', '--log-level', 'debug'];
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const servers: ServerProcess[] = [];
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop('SIGKILL')));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop().catch(() => undefined)));
});

async function server(...extra: string[]) {
  const started = await startServerProcess([...FAST, ...extra]);
  servers.push(started);
  return { process: started, rest: restClient(started.url) };
}

async function receiver(port?: number) {
  const started = await startWebhookReceiver(port);
  receivers.push(started);
  return started;
}

type Rest = ReturnType<typeof restClient>;

/** Polls a subscription until `done` holds of it. */
async function until(rest: Rest, id: string, done: (subscription: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await rest.get<Record<string, unknown>>(`/routing/eventSubscriptions/${id}`);
    if (done(json)) return json;
    if (Date.now() > deadline) throw new Error(`subscription ${id} never got there: ${JSON.stringify(json)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A queue with a policy and `count` jobs in it: each job's creation is a `RouterJobReceived` and a `RouterJobQueued`. */
async function makeJobs(rest: Rest, count: number, queueId = 'q', prefix = 'j') {
  await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await rest.patch(`/routing/queues/${queueId}`, { distributionPolicyId: 'p' });
  for (let i = 0; i < count; i++) expect((await rest.patch(`/routing/jobs/${prefix}${i}`, { queueId, channelId: 'voice' })).status).toBe(201);
}

function eventsOf(deliveries: readonly Received[]): Array<Record<string, unknown>> {
  return deliveries.flatMap((delivery) => {
    const body = delivery.json as Record<string, unknown> | Array<Record<string, unknown>>;
    return Array.isArray(body) ? body : [body];
  });
}

describe('event subscriptions over a real server and a real receiver', () => {
  it('validate the endpoint, then deliver in the Event Grid schema, in order, signed', async () => {
    const endpoint = await receiver();
    const { rest } = await server();
    const created = await rest.patch('/routing/eventSubscriptions/grid', { endpointUrl: endpoint.url, signingSecret: SECRET });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'grid', eventDeliverySchema: 'EventGridSchema', hasSigningSecret: true, deliveredSequenceNumber: 0 });
    expect(created.json).not.toHaveProperty('signingSecret');
    await until(rest, 'grid', (s) => s['provisioningState'] === 'Succeeded');
    expect(endpoint.received[0]!.headers['aeg-event-type']).toBe('SubscriptionValidation');

    await makeJobs(rest, 2);
    const deliveries = await endpoint.waitForDeliveries(4);
    const events = eventsOf(deliveries);
    expect(events.map((event) => event['eventType'])).toEqual([
      'Microsoft.Communication.RouterJobReceived',
      'Microsoft.Communication.RouterJobQueued',
      'Microsoft.Communication.RouterJobReceived',
      'Microsoft.Communication.RouterJobQueued',
    ]);
    expect(events[0]).toEqual({
      id: expect.any(String),
      topic: '/switchboard',
      subject: 'job/j0/channel/voice',
      data: expect.objectContaining({ jobId: 'j0', queueId: 'q', channelId: 'voice' }),
      eventType: 'Microsoft.Communication.RouterJobReceived',
      dataVersion: '1.0',
      metadataVersion: '1',
      eventTime: expect.any(String),
    });
    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(delivery.headers['aeg-event-type']).toBe('Notification');
      expect(delivery.headers['aeg-delivery-count']).toBe('0');
      // Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)).
      const id = String(delivery.headers['webhook-id']);
      const timestamp = String(delivery.headers['webhook-timestamp']);
      const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
      const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64');
      expect(delivery.headers['webhook-signature']).toBe(`v1,${expected}`);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    }
    const status = await until(rest, 'grid', (s) => s['deliveredEventCount'] === 4);
    expect(status).toMatchObject({ lastDeliveryOutcome: 'Succeeded', lastHttpStatusCode: 200 });
  });

  it('deliver CloudEvents in batches after the OPTIONS handshake, filtered by event type and queue', async () => {
    const endpoint = await receiver();
    const { rest } = await server();
    endpoint.answerWith(() => ({ delayMs: 100 }));
    const body = {
      endpointUrl: endpoint.url,
      eventDeliverySchema: 'CloudEventSchemaV1_0',
      maxEventsPerBatch: 10,
      filter: { includedEventTypes: ['Microsoft.Communication.RouterJobQueued'], queueIds: ['wanted'] },
      endpointValidation: 'handshake',
    };
    expect((await rest.patch('/routing/eventSubscriptions/cloud', body)).status).toBe(201);
    await until(rest, 'cloud', (s) => s['provisioningState'] === 'Succeeded');
    expect(endpoint.received[0]).toMatchObject({ method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } });

    await makeJobs(rest, 3, 'other', 'o');
    await makeJobs(rest, 6, 'wanted', 'w');
    await until(rest, 'cloud', (s) => s['deliveredEventCount'] === 6);
    const deliveries = endpoint.deliveries();
    expect(deliveries.length).toBeLessThan(6);
    for (const delivery of deliveries) expect(delivery.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    const events = eventsOf(deliveries);
    expect(events.map((event) => (event['data'] as { jobId: string }).jobId)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      source: '/switchboard',
      type: 'Microsoft.Communication.RouterJobQueued',
      subject: 'job/w0/channel/voice/queue/wanted',
      datacontenttype: 'application/json',
    });
    const sequences = events.map((event) => Number(event['sequence']));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('retry a failing or slow endpoint with backoff, holding later events back so order is kept', async () => {
    const endpoint = await receiver();
    const { rest, process } = await server();
    // First delivery: 503 with Retry-After, then too slow (past the 300 ms timeout), then fine.
    endpoint.answerWith((index) => (index === 0 ? { status: 503, headers: { 'retry-after': '0' } } : index === 1 ? { delayMs: 1000 } : {}));
    await rest.patch('/routing/eventSubscriptions/flaky', { endpointUrl: endpoint.url, endpointValidation: 'none' });
    await makeJobs(rest, 2);
    await until(rest, 'flaky', (s) => s['deliveredEventCount'] === 4);
    const deliveries = endpoint.deliveries();
    expect(deliveries.map((delivery) => delivery.headers['aeg-delivery-count'])).toEqual(['0', '1', '2', '0', '0', '0']);
    const ids = eventsOf(deliveries).map((event) => event['id']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(4);
    const outcomes = logLines(process).filter((line) => line['msg'] === 'webhook delivery').map((line) => line['outcome']);
    expect(outcomes.slice(0, 3)).toEqual(['HttpError', 'Timeout', 'Succeeded']);
    const metrics = await (await fetch(new URL('/metrics', process.url))).text();
    expect(metrics).toMatch(/^switchboard_webhook_lag_events\{subscription="flaky",state="Succeeded"\} 0$/m);
    for (const outcome of ['HttpError', 'Timeout'])
      expect(metrics).toMatch(new RegExp(`^switchboard_webhook_request_duration_seconds_count\\{subscription="flaky",kind="delivery",outcome="${outcome}"\\} 1$`, 'm'));
  });

  it('dead-letter what cannot be delivered, list it, and go on with the next events', async () => {
    const endpoint = await receiver();
    // Not a test of timeouts: on a loaded machine an answer can take longer than FAST's 300 ms, and an attempt that
    // timed out has no status code to report.
    const { rest } = await server('--webhook-timeout', '5s');
    endpoint.answerWith((_index, request) => {
      const first = (request.json as Array<{ data: { jobId: string } }>)[0]!;
      return first.data.jobId === 'j0' ? { status: 400, body: 'no thanks' } : first.data.jobId === 'j1' ? { status: 500 } : {};
    });
    await rest.patch('/routing/eventSubscriptions/dl', {
      endpointUrl: endpoint.url,
      endpointValidation: 'none',
      retryPolicy: { maxDeliveryAttempts: 3 },
      filter: { includedEventTypes: ['Microsoft.Communication.RouterJobReceived'] },
    });
    await makeJobs(rest, 3);
    const status = await until(rest, 'dl', (s) => s['deliveredEventCount'] === 1);
    expect(status).toMatchObject({ deadLetteredEventCount: 2 });
    const letters = (await rest.get<{ value: Array<Record<string, unknown>> }>('/routing/eventSubscriptions/dl/deadLetters')).json.value;
    expect(letters).toMatchObject([
      { eventSubscriptionId: 'dl', deadLetterReason: 'NonRetriableStatusCode', deliveryAttempts: 1, lastHttpStatusCode: 400, lastError: 'HTTP 400: no thanks' },
      { eventSubscriptionId: 'dl', deadLetterReason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 3, lastHttpStatusCode: 500 },
    ]);
    expect((letters[0]!['events'] as Array<{ data: { jobId: string } }>)[0]!.data.jobId).toBe('j0');
    expect(eventsOf(endpoint.deliveries()).at(-1)).toMatchObject({ data: { jobId: 'j2' } });

    const first = String(letters[0]!['id']);
    expect((await rest.delete(`/routing/eventSubscriptions/dl/deadLetters/${first}`)).status).toBe(204);
    expect((await rest.delete(`/routing/eventSubscriptions/dl/deadLetters/${first}`)).json).toMatchObject({ communicationError: { details: [{ code: 'NotFound' }] } });
    expect((await rest.get<{ value: unknown[] }>('/routing/eventSubscriptions/dl/deadLetters')).json.value).toHaveLength(1);
  });

  it('fail a subscription whose endpoint does not pass validation, and validate again when it is patched', async () => {
    const endpoint = await receiver();
    const { rest } = await server();
    // Nothing listens on port 1.
    await rest.patch('/routing/eventSubscriptions/v', { endpointUrl: 'http://127.0.0.1:1/closed', retryPolicy: { maxDeliveryAttempts: 2 } });
    const failed = await until(rest, 'v', (s) => s['provisioningState'] === 'Failed');
    expect(failed).toMatchObject({ lastDeliveryOutcome: 'NetworkError' });
    await makeJobs(rest, 1);
    const patched = await rest.patch('/routing/eventSubscriptions/v', { endpointUrl: endpoint.url });
    expect(patched.json).toMatchObject({ provisioningState: 'Creating' });
    await until(rest, 'v', (s) => s['provisioningState'] === 'Succeeded');
    // Events committed while it was failed are still delivered: the cursor did not move.
    expect(eventsOf(await endpoint.waitForDeliveries(2)).map((event) => event['eventType'])).toEqual([
      'Microsoft.Communication.RouterJobReceived',
      'Microsoft.Communication.RouterJobQueued',
    ]);
  });

  it('refuse bad settings with a stable code naming the field, changing nothing', async () => {
    const { rest } = await server();
    const refusals = [
      [{ endpointUrl: 'ftp://example.com/x' }, 'endpointUrl'],
      [{}, 'endpointUrl'],
      [{ endpointUrl: 'http://127.0.0.1:9/x', filter: { includedEventTypes: ['RouterJobReceived'] } }, 'filter.includedEventTypes.0'],
      [{ endpointUrl: 'http://127.0.0.1:9/x', signingSecret: 'hunter2' }, 'signingSecret'],
      [{ endpointUrl: 'http://127.0.0.1:9/x', maxEventsPerBatch: 0 }, 'maxEventsPerBatch'],
      [{ endpointUrl: 'http://127.0.0.1:9/x', retryPolicy: { maxDeliveryAttempts: 31 } }, 'retryPolicy.maxDeliveryAttempts'],
      [{ endpointUrl: 'http://127.0.0.1:9/x', filter: { subject: 'x' } }, 'filter'],
    ] as const;
    for (const [body, target] of refusals) {
      const reply = await rest.patch('/routing/eventSubscriptions/bad', body);
      expect({ status: reply.status, error: reply.json }).toMatchObject({ status: 400, error: { communicationError: { target, details: [{ code: 'InvalidRequest' }] } } });
    }
    expect((await rest.get('/routing/eventSubscriptions/bad')).status).toBe(404);
    expect((await rest.get<{ value: unknown[] }>('/routing/eventSubscriptions')).json.value).toEqual([]);
    expect((await rest.get('/routing/eventSubscriptions/bad/deadLetters')).status).toBe(404);
  });
});

describe('event subscriptions across restarts', () => {
  it('lose nothing while the receiver is down and the server restarts, even after kill -9', async () => {
    const dataDir = join(root, 'restart');
    const sqlite = ['--store', 'sqlite', '--data-dir', dataDir];
    const endpoint = await receiver();
    const first = await server(...sqlite);
    await first.rest.patch('/routing/eventSubscriptions/durable', { endpointUrl: endpoint.url, maxEventsPerBatch: 5 });
    await until(first.rest, 'durable', (s) => s['provisioningState'] === 'Succeeded');
    await makeJobs(first.rest, 3, 'q', 'before');
    await until(first.rest, 'durable', (s) => s['deliveredEventCount'] === 6);

    await endpoint.stop();
    await makeJobs(first.rest, 4, 'q', 'down');
    await until(first.rest, 'durable', (s) => s['lastDeliveryOutcome'] === 'NetworkError');
    await first.process.stop('SIGKILL');

    const second = await server(...sqlite);
    await makeJobs(second.rest, 2, 'q', 'after');
    await endpoint.start();
    const jobEvents = 2 * (3 + 4 + 2);
    const uniqueEvents = () => [...new Map(eventsOf(endpoint.deliveries()).map((event) => [event['id'], event])).values()];
    await until(second.rest, 'durable', () => uniqueEvents().length >= jobEvents);
    // At least once: a batch whose answer the killed server never stored may come twice, with the same ids.
    const unique = uniqueEvents();
    const jobIds = unique.filter((event) => event['eventType'] === 'Microsoft.Communication.RouterJobReceived').map((event) => (event['data'] as { jobId: string }).jobId);
    expect(jobIds).toEqual(['before0', 'before1', 'before2', 'down0', 'down1', 'down2', 'down3', 'after0', 'after1']);
    expect(unique).toHaveLength(jobEvents);
  });

  it('takes subscriptions from the config file, and a restart with the same file keeps the cursor', async () => {
    const endpoint = await receiver();
    const dataDir = join(root, 'declared');
    const file = join(root, 'declared.json');
    writeFileSync(file, JSON.stringify({ eventSubscriptions: { fromFile: { endpointUrl: endpoint.url, endpointValidation: 'none' } } }));
    const args = ['--config', file, '--store', 'sqlite', '--data-dir', dataDir];
    const first = await server(...args);
    await makeJobs(first.rest, 1);
    const delivered = await until(first.rest, 'fromFile', (s) => s['deliveredEventCount'] === 2);
    expect(await first.process.stop()).toBe(0);

    const second = await server(...args);
    const again = (await second.rest.get<Record<string, unknown>>('/routing/eventSubscriptions/fromFile')).json;
    expect(again).toMatchObject({ etag: delivered['etag'], deliveredSequenceNumber: delivered['deliveredSequenceNumber'], deliveredEventCount: 2 });
  });
});
