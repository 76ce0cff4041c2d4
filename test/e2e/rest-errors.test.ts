import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import { restClient, urlOf, type Reply, type RestClient } from './support/rest-client.ts';
import { SwitchboardClient } from '../../src/client/index.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

let server: ServerProcess;
let rest: RestClient;

beforeAll(async () => {
  server = await startServerProcess();
  rest = restClient(server.url);
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

/** Asserts Azure's error body with the catalogue code in `details` and `x-ms-error-code`. */
function expectError(reply: Reply, status: number, code: string, azureCode: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('x-ms-error-code')).toBe(code);
  expect(reply.json).toMatchObject({
    communicationError: { code: azureCode, message: expect.any(String), details: [{ code, message: expect.any(String) }] },
  });
}

describe('400 Bad Request', () => {
  it('for a missing or unknown api-version', async () => {
    expectError(await rest.get('/routing/queues', { apiVersion: null }), 400, 'InvalidApiVersion', 'BadRequest');
    expectError(await rest.get('/routing/queues', { apiVersion: '2021-01-01' }), 400, 'InvalidApiVersion', 'BadRequest');
  });

  it('for malformed JSON', async () => {
    const reply = await rest.send('PATCH', '/routing/queues/bad-json', { raw: '{"name": ', headers: { 'content-type': 'application/merge-patch+json' } });
    expectError(reply, 400, 'InvalidJson', 'BadRequest');
  });

  it('for a field of the wrong type, naming it as the target', async () => {
    const reply = await rest.patch('/routing/workers/typed', { capacity: 'lots' });
    expectError(reply, 400, 'InvalidRequest', 'BadRequest');
    expect(reply.json).toMatchObject({ communicationError: { target: 'capacity' } });
  });

  it('for a body that is not an object, and for an id that is not one', async () => {
    expectError(await rest.send('PATCH', '/routing/queues/arr', { raw: '[1]', headers: { 'content-type': 'application/json' } }), 400, 'InvalidRequest', 'BadRequest');
    expectError(await rest.get('/routing/queues/a%20b'), 400, 'InvalidRequest', 'BadRequest');
  });

  it('for a worker token asked of a server that has no access key to sign it', async () => {
    expectError(await rest.post('/routing/workers/anyone:issueToken', {}), 400, 'AccessKeyRequired', 'BadRequest');
  });

  it('for a reference to a policy that does not exist', async () => {
    expectError(await rest.patch('/routing/queues/orphan', { distributionPolicyId: 'missing' }), 400, 'ReferenceNotFound', 'BadRequest');
  });
});

describe('404 Not Found', () => {
  it('for a resource that does not exist', async () => {
    expectError(await rest.get('/routing/jobs/nobody'), 404, 'NotFound', 'NotFound');
    expectError(await rest.delete('/routing/workers/nobody'), 404, 'NotFound', 'NotFound');
  });

  it('for an unknown path, an unknown action and a known path with another method', async () => {
    expectError(await rest.get('/routing/nothing'), 404, 'RouteNotFound', 'NotFound');
    expectError(await rest.post('/routing/jobs/j:explode', {}), 404, 'RouteNotFound', 'NotFound');
    expectError(await rest.send('PUT', '/routing/jobs/j', { body: {} }), 404, 'RouteNotFound', 'NotFound');
    expectError(await rest.get('/elsewhere'), 404, 'RouteNotFound', 'NotFound');
  });
});

describe('409 Conflict', () => {
  it('for a second accept of the same offer, and for deleting a job that is not finished', async () => {
    await rest.patch('/routing/distributionPolicies/c-policy', { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/c-queue', { distributionPolicyId: 'c-policy' });
    await rest.patch('/routing/workers/c-worker', {
      capacity: 1,
      queues: ['c-queue'],
      channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      availableForOffers: true,
    });
    await rest.patch('/routing/jobs/c-job', { queueId: 'c-queue', channelId: 'voice' });
    const offerId = (await rest.get<RouterWorker>('/routing/workers/c-worker')).json.offers[0]!.offerId;
    expect((await rest.post(`/routing/workers/c-worker/offers/${offerId}:accept`)).status).toBe(200);
    expectError(await rest.post(`/routing/workers/c-worker/offers/${offerId}:accept`), 409, 'OfferNotActive', 'Conflict');
    expectError(await rest.delete('/routing/jobs/c-job'), 409, 'JobNotTerminal', 'Conflict');
  });
});

describe('412 Precondition Failed', () => {
  it('for If-Match on a resource that does not exist', async () => {
    expectError(await rest.patch('/routing/queues/ghost', {}, { headers: { 'if-match': '"x"' } }), 412, 'PreconditionFailed', 'PreconditionFailed');
  });
});

describe('413 Payload Too Large', () => {
  it('for a body over 1 MiB, and the server keeps serving', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    const reply = await rest.send('PATCH', '/routing/queues/huge', { raw: huge, headers: { 'content-type': 'application/merge-patch+json' } });
    expectError(reply, 413, 'PayloadTooLarge', 'PayloadTooLarge');
    expect((await rest.get('/routing/queues/huge')).status).toBe(404);
  });

  it('for a chunked body that grows past the limit', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(urlOf(server.url, '/routing/queues/streamed'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await rest.get('/healthz')).status).toBe(200);
  });
});

describe('415 Unsupported Media Type', () => {
  it('for an upsert body that is not JSON', async () => {
    const reply = await rest.send('PATCH', '/routing/queues/texty', { raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expectError(reply, 415, 'UnsupportedMediaType', 'UnsupportedMediaType');
  });
});

describe('429 Too Many Requests', () => {
  it('beyond the configured rate, with Retry-After, while other endpoints stay answerable', async () => {
    const limited = await startServerProcess(['--rate-limit', '3']);
    try {
      const client = restClient(limited.url);
      const replies = [];
      for (let i = 0; i < 5; i++) replies.push(await client.get('/routing/queues'));
      expect(replies.slice(0, 3).map((reply) => reply.status)).toEqual([200, 200, 200]);
      const refused = replies[3]!;
      expectError(refused, 429, 'ThrottleLimitExceeded', 'TooManyRequests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await fetch(new URL('/healthz', limited.url))).status).toBe(200);
      // The budget is the client's, whichever face it uses: WebSocket requests are refused too.
      const ws = await SwitchboardClient.connect(`${limited.url.replace(/^http/, 'ws')}/ws`);
      try {
        await expect(ws.call('listQueues', {})).rejects.toMatchObject({ code: 'ThrottleLimitExceeded' });
      } finally {
        await ws.close();
      }
    } finally {
      expect(await limited.stop()).toBe(0);
    }
  });
});

describe('requests Node cannot parse', () => {
  /** Sends raw bytes and returns the raw answer. */
  function raw(request: string): Promise<string> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('answer with a communicationError body too: an unknown method, headers over 16 KiB', async () => {
    const unknownMethod = await raw('BREW /routing/jobs HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(unknownMethod).toMatch(/^HTTP\/1\.1 400 /);
    expect(unknownMethod).toContain('x-ms-error-code: InvalidRequest');
    expect(unknownMethod).toContain('"communicationError"');

    const bigHeaders = await raw(`GET /routing/jobs HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(bigHeaders).toMatch(/^HTTP\/1\.1 431 /);
    expect(bigHeaders).toContain('x-ms-error-code: HeadersTooLarge');
  });
});
