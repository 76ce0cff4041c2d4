/**
 * The OpenAPI document against the real server: it is served as checked in, and a walk through every operation it
 * describes gets the statuses, headers and bodies it says, each body validated by a JSON Schema 2020-12 validator
 * against the document's own schema. An operation added to the table without a step here fails the coverage check.
 */
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApiFile } from '../../scripts/generate-openapi.ts';
import { restClient, type RestClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

interface DescribedResponse {
  readonly headers?: Record<string, unknown>;
  readonly content?: Record<string, { schema: object }>;
}
interface DescribedOperation {
  readonly operationId: string;
  readonly responses: Record<string, DescribedResponse>;
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, DescribedOperation>>;
}

const accessKey = randomBytes(32).toString('base64');
let server: ServerProcess;
let admin: RestClient;
let document: OpenApiDocument;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

beforeAll(async () => {
  server = await startServerProcess([], { SWITCHBOARD_ACCESS_KEY: accessKey });
  admin = restClient(server.url, { hmac: accessKey });
  // Served before authentication, like the probes: the document holds no state.
  const served = await fetch(new URL('/openapi.json', server.url));
  expect(served.status).toBe(200);
  document = (await served.json()) as OpenApiDocument;
  ajv.addSchema({ ...document, $id: 'openapi' });
});

afterAll(async () => {
  await server.stop();
});

/** Each operation of the document met in the walk, with the status it answered. */
const answered = new Map<string, number[]>();

/** Finds the described operation a concrete request goes to, by method and path template. */
function describedOperation(method: string, path: string): DescribedOperation {
  for (const [template, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/:]+').replace(/[.]/g, '\\.')}$`);
    const described = methods[method.toLowerCase()];
    if (described && pattern.test(path)) return described;
  }
  throw new Error(`the document describes no ${method} ${path}`);
}

/** Sends one request that must succeed, and checks its answer against what the document says of it. */
async function step<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const described = describedOperation(method, path);
  const reply = await admin.send<T>(method, path, body === undefined ? {} : { body });
  expect(reply.status, `${described.operationId} was refused: ${JSON.stringify(reply.json)}`).toBeLessThan(400);
  const status = String(reply.status);
  const documented = described.responses[status];
  expect(documented, `${described.operationId} answered ${status}, which the document does not list`).toBeDefined();
  for (const header of Object.keys(documented!.headers ?? {})) expect(reply.headers.has(header), `${described.operationId}: ${header}`).toBe(true);
  if (documented!.content === undefined) expect(reply.json).toBeUndefined();
  else expectValid(described, method, status, reply.json);
  answered.set(described.operationId, [...(answered.get(described.operationId) ?? []), reply.status]);
  return reply.json;
}

/** Sends one request that must be refused, and checks the refusal against the document's `default` response. */
async function refusal(method: string, path: string, code: string): Promise<void> {
  const described = describedOperation(method, path);
  const reply = await admin.send(method, path);
  expect(reply.status).toBeGreaterThanOrEqual(400);
  expect(reply.headers.get('x-ms-error-code')).toBe(code);
  expectValid(described, method, 'default', reply.json);
}

function expectValid(described: DescribedOperation, method: string, status: string, body: unknown): void {
  const at = `openapi#/paths/${pointer(pathTemplateOf(described))}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(at) ?? ajv.compile({ $id: at, $ref: at });
  expect(validate(body), `${described.operationId} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

function pathTemplateOf(described: DescribedOperation): string {
  return Object.entries(document.paths).find(([, methods]) => Object.values(methods).includes(described))![0];
}

/** A JSON pointer segment. */
function pointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

interface Offer {
  readonly offerId: string;
  readonly jobId: string;
}

describe('the OpenAPI document', () => {
  it('is served exactly as checked in', () => {
    expect(`${JSON.stringify(document, null, 2)}\n`).toBe(renderOpenApiFile());
  });

  it('every operation answers as the document says', async () => {
    const ops = '/routing';
    // An endpoint that refuses every delivery, so the walk's events end as dead letters.
    const endpoint = await startWebhookReceiver();
    endpoint.answerWith(() => ({ status: 400 }));
    await step('PATCH', `${ops}/eventSubscriptions/es`, { endpointUrl: endpoint.url, endpointValidation: 'none' });
    await step('GET', `${ops}/eventSubscriptions/es`);
    await step('GET', `${ops}/eventSubscriptions`);
    await step('PATCH', `${ops}/distributionPolicies/dp`, { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
    await step('GET', `${ops}/distributionPolicies/dp`);
    await step('GET', `${ops}/distributionPolicies`);
    await step('PATCH', `${ops}/exceptionPolicies/ep`, {
      exceptionRules: [{ id: 'long', trigger: { kind: 'waitTime', thresholdSeconds: 3600 }, actions: [{ kind: 'cancel' }] }],
    });
    await step('GET', `${ops}/exceptionPolicies/ep`);
    await step('GET', `${ops}/exceptionPolicies`);
    await step('PATCH', `${ops}/queues/q`, { distributionPolicyId: 'dp', exceptionPolicyId: 'ep' });
    await step('PATCH', `${ops}/queues/q`, { name: 'support' });
    await step('GET', `${ops}/queues/q`);
    await step('GET', `${ops}/queues`);
    await step('PATCH', `${ops}/classificationPolicies/cp`, { fallbackQueueId: 'q', prioritizationRule: { kind: 'static', value: 2 } });
    await step('GET', `${ops}/classificationPolicies/cp`);
    await step('GET', `${ops}/classificationPolicies`);
    await step('PATCH', `${ops}/workers/w`, {
      queues: ['q'],
      capacity: 10,
      channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      availableForOffers: true,
    });
    await step('GET', `${ops}/workers`);
    await step('POST', `${ops}/workers/w:issueToken`, { expiresInSeconds: 60 });

    for (const jobId of ['a', 'b', 'c']) await step('PATCH', `${ops}/jobs/${jobId}`, { queueId: 'q', channelId: 'voice' });
    await step('PATCH', `${ops}/jobs/classified`, { channelId: 'voice', classificationPolicyId: 'cp' });
    await step('GET', `${ops}/jobs/classified`);
    await step('GET', `${ops}/jobs`);
    await step('GET', `${ops}/queues/q/statistics`);
    const { offers } = await step<{ offers: Offer[] }>('GET', `${ops}/workers/w`);
    const offerOf = (jobId: string) => offers.find((offer) => offer.jobId === jobId)!.offerId;

    await step('GET', `${ops}/jobs/a/position`);
    await step('POST', `${ops}/workers/w/offers/${offerOf('a')}:decline`, {});
    const b = await step<{ assignmentId: string }>('POST', `${ops}/workers/w/offers/${offerOf('b')}:accept`);
    await step('POST', `${ops}/jobs/b/assignments/${b.assignmentId}:complete`, {});
    await step('POST', `${ops}/jobs/b/assignments/${b.assignmentId}:close`, {});
    const c = await step<{ assignmentId: string }>('POST', `${ops}/workers/w/offers/${offerOf('c')}:accept`);
    await step('POST', `${ops}/jobs/c/assignments/${c.assignmentId}:unassign`, { suspendMatching: true });
    await step('POST', `${ops}/jobs/classified:reclassify`, {});

    for (const jobId of ['a', 'c', 'classified']) await step('POST', `${ops}/jobs/${jobId}:cancel`, { note: 'done with the walk' });
    for (const jobId of ['a', 'b', 'c', 'classified']) await step('DELETE', `${ops}/jobs/${jobId}`);
    await step('DELETE', `${ops}/workers/w`);
    await step('DELETE', `${ops}/classificationPolicies/cp`);
    await step('DELETE', `${ops}/queues/q`);
    await step('DELETE', `${ops}/exceptionPolicies/ep`);
    await step('DELETE', `${ops}/distributionPolicies/dp`);

    let letters: Array<{ id: string }> = [];
    for (let tries = 0; letters.length === 0 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      letters = (await admin.get<{ value: Array<{ id: string }> }>(`${ops}/eventSubscriptions/es/deadLetters`)).json.value;
    }
    await step('GET', `${ops}/eventSubscriptions/es/deadLetters`);
    await step('DELETE', `${ops}/eventSubscriptions/es/deadLetters/${letters[0]!.id}`);
    await step('DELETE', `${ops}/eventSubscriptions/es`);
    await endpoint.stop();

    const routing = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/routing/'))
      .flatMap(([, methods]) => Object.values(methods).map((operation) => operation.operationId));
    expect([...answered.keys()].sort()).toEqual(routing.sort());
    expect(answered.get('upsertQueue')).toEqual([201, 200]);
  });

  it('refusals carry the documented error body', async () => {
    await refusal('GET', '/routing/jobs/missing', 'NotFound');
    await refusal('PATCH', '/routing/queues/q', 'UnsupportedMediaType');
  });

  it('the probes answer GET and HEAD as described, without credentials', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const described = document.paths[path]!;
      for (const method of ['GET', 'HEAD']) {
        const reply = await fetch(new URL(path, server.url), { method });
        expect(Object.keys(described[method.toLowerCase()]!.responses)).toContain(String(reply.status));
      }
    }
  });
});
