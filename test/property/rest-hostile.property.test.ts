/**
 * Hostile input at the REST face. Every generated request is wrong in at least one way (bad JSON, wrong types,
 * huge strings, deep nesting, unknown paths or methods, bad ids, wrong media type or api-version, stale
 * preconditions, deletes of resources in use), with random extra headers on top. The invariants: the answer is
 * always a 4xx with Azure's `communicationError` body, never a 5xx; the server never faults; and nothing stored
 * changes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/gateway/server.ts';
import { matchRoute } from '../../src/gateway/http/routes.ts';
import { Router } from '../../src/router.ts';

const API = 'api-version=2023-11-01';
const MIB = 1024 * 1024;

interface HostileRequest {
  readonly method: string;
  /** Path and query, e.g. `/routing/queues/q?api-version=…`. */
  readonly target: string;
  readonly body?: string | undefined;
  readonly contentType?: string | undefined;
  readonly headers: Record<string, string>;
}

let router: Router;
let server: RunningServer;
const faults: string[] = [];

/** Everything stored, as the lists show it (etags included, so any write shows). */
async function snapshot(): Promise<string> {
  const page = { maxpagesize: 1000 };
  return JSON.stringify([
    await router.listDistributionPolicies(page),
    await router.listQueues(page),
    await router.listClassificationPolicies(page),
    await router.listExceptionPolicies(page),
    await router.listJobs(page),
    await router.listWorkers(page),
    router.lastSequenceNumber,
  ]);
}

beforeAll(async () => {
  router = await Router.open();
  server = await startServer({
    router,
    port: 0,
    rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
    log: (message) => faults.push(message),
  });
  // Resources in use, so deletes conflict and actions have something to aim at.
  await router.upsertDistributionPolicy('seed-policy', { offerExpiresAfterSeconds: 3600, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('seed-queue', { distributionPolicyId: 'seed-policy' });
  await router.upsertWorker('seed-worker', {
    capacity: 1,
    queues: ['seed-queue'],
    channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
    availableForOffers: true,
  });
  await router.upsertJob('seed-job', { queueId: 'seed-queue', channelId: 'voice' });
});

afterAll(async () => {
  await server.close();
  await router.close();
});

const json = (value: unknown) => JSON.stringify(value);

/** A resource path whose PATCH with a good body would create something: the defect must come from elsewhere. */
const upsertPathArb = fc.constantFrom(
  '/routing/queues/new-queue',
  '/routing/distributionPolicies/new-policy',
  '/routing/workers/new-worker',
  '/routing/jobs/new-job',
  '/routing/queues/seed-queue',
  '/routing/jobs/seed-job',
);

const goodBodyFor: Record<string, unknown> = {
  queues: { distributionPolicyId: 'seed-policy' },
  distributionPolicies: { offerExpiresAfterSeconds: 10, mode: { kind: 'roundRobin' } },
  workers: { capacity: 1, queues: ['seed-queue'], availableForOffers: true },
  jobs: { queueId: 'seed-queue', channelId: 'voice' },
};
const goodBody = (path: string) => goodBodyFor[path.split('/')[2] ?? ''] ?? {};

const notInteger = fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.boolean(), fc.constant(null).map(() => ({})), fc.array(fc.integer()));

/** A body field with a value its schema refuses, per resource. */
const badFieldArb: fc.Arbitrary<{ path: string; body: Record<string, unknown> }> = fc.oneof(
  notInteger.map((capacity) => ({ path: '/routing/workers/new-worker', body: { capacity } })),
  fc.oneof(fc.string(), fc.integer({ min: 101 }), fc.integer({ max: -101 })).map((priority) => ({ path: '/routing/jobs/new-job', body: { queueId: 'seed-queue', channelId: 'voice', priority } })),
  fc.oneof(fc.integer({ max: 0 }), fc.string()).map((seconds) => ({ path: '/routing/distributionPolicies/new-policy', body: { offerExpiresAfterSeconds: seconds } })),
  fc.string().filter((kind) => !['bestWorker', 'longestIdle', 'roundRobin'].includes(kind)).map((kind) => ({ path: '/routing/distributionPolicies/new-policy', body: { mode: { kind } } })),
  fc.oneof(fc.object(), fc.array(fc.jsonValue())).map((value) => ({ path: '/routing/queues/new-queue', body: { distributionPolicyId: 'seed-policy', labels: { key: value } } })),
  fc.jsonValue().filter((value) => !Array.isArray(value) && value !== null).map((notes) => ({ path: '/routing/jobs/seed-job', body: { notes } })),
  fc.string({ minLength: 1 }).map((id) => ({ path: '/routing/queues/new-queue', body: { distributionPolicyId: `missing-${id}` } })),
  fc.string().map((name) => ({ path: '/routing/jobs/new-job', body: { queueId: 'seed-queue', name } })), // no channelId
);

/** Random extra headers that carry no meaning here (`x-` names), plus a few meaningful ones that cannot rescue a bad request. */
const noiseHeadersArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
      fc.stringMatching(/^[\x20-\x7e]{0,200}$/).map((value) => value.trim()),
      { maxKeys: 5 },
    ),
    fc.subarray([
      ['accept', 'application/xml'],
      ['authorization', 'Bearer nonsense'],
      ['x-ms-date', 'yesterday'],
      ['if-none-match', '*'],
      ['accept-encoding', 'gzip'],
    ] as const),
  )
  .map(([noise, meaningful]) => ({ ...noise, ...Object.fromEntries(meaningful) }));

const METHODS = ['GET', 'PATCH', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'FOO'];

/** Paths answered on purpose beside the operations: a probe, the console (where `/` redirects) and its machines. */
const SERVED_BESIDE_REST: ReadonlySet<string> = new Set(['/healthz', '/', '/console', '/console/', '/machines']);

/** Paths no operation has, including malformed percent-encoding. */
const unknownRouteArb: fc.Arbitrary<Omit<HostileRequest, 'headers'>> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    segments: fc.array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9:._~%-]{0,30}$/), fc.constantFrom('routing', 'jobs', 'workers', 'queues', '%E0%A4%A', '..')), { maxLength: 6 }),
    routing: fc.boolean(),
  })
  .map(({ method, segments, routing }) => ({ method, path: `${routing ? '/routing/' : '/'}${segments.join('/')}` }))
  .filter(({ method, path }) => {
    try {
      // fetch resolves dot segments before sending (`/routing//../workers` reaches the server as `/routing/workers`):
      // judge the path it sends as well as the one written.
      const sent = new URL(path, 'http://127.0.0.1').pathname;
      const known = (candidate: string) => SERVED_BESIDE_REST.has(candidate) || matchRoute(method, candidate) !== undefined;
      return !known(path) && !known(sent);
    } catch {
      return true;
    }
  })
  .map(({ method, path }) => ({ method, target: `${path}?${API}`, body: method === 'GET' || method === 'HEAD' ? undefined : '{}', contentType: 'application/json' }));

/** Nesting deeper than the edge allows, under an otherwise plausible field. */
const deepArb = fc.record({ path: upsertPathArb, depth: fc.integer({ min: 65, max: 20_000 }), array: fc.boolean() }).map(({ path, depth, array }) => ({
  method: 'PATCH',
  target: `${path}?${API}`,
  body: `{"labels":${(array ? '[' : '{"a":').repeat(depth)}1${(array ? ']' : '}').repeat(depth)}}`,
  contentType: 'application/merge-patch+json',
}));

const hostileArb: fc.Arbitrary<HostileRequest> = fc
  .tuple(
    fc.oneof(
      // A good request but no or an unknown api-version.
      fc.record({ path: upsertPathArb, version: fc.option(fc.string().filter((v) => v !== '2023-11-01' && v !== '2024-01-18-preview'), { nil: undefined }) }).map(({ path, version }) => ({
        method: 'PATCH',
        target: version === undefined ? path : `${path}?api-version=${encodeURIComponent(version)}`,
        body: json(goodBody(path)),
        contentType: 'application/merge-patch+json',
      })),
      unknownRouteArb,
      // Bad JSON.
      fc.record({ path: upsertPathArb, text: fc.string() }).filter(({ text }) => {
        try {
          JSON.parse(`{${text}`);
          return false;
        } catch {
          return true;
        }
      }).map(({ path, text }) => ({ method: 'PATCH', target: `${path}?${API}`, body: `{${text}`, contentType: 'application/merge-patch+json' })),
      // A JSON body that is not an object.
      fc.record({ path: upsertPathArb, value: fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer(), fc.constant(null)) }).map(({ path, value }) => ({
        method: 'PATCH',
        target: `${path}?${API}`,
        body: json(value),
        contentType: 'application/merge-patch+json',
      })),
      // A good body with the wrong media type.
      fc.record({ path: upsertPathArb, type: fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', 'application/x-www-form-urlencoded', 'application/jsonx') }).map(({ path, type }) => ({
        method: 'PATCH',
        target: `${path}?${API}`,
        body: json(goodBody(path)),
        contentType: type,
      })),
      // Wrong types and bad references.
      badFieldArb.map(({ path, body }) => ({ method: 'PATCH', target: `${path}?${API}`, body: json(body), contentType: 'application/merge-patch+json' })),
      deepArb,
      // Strings longer than a field allows, and bodies over the size limit.
      fc.record({ path: fc.constantFrom('/routing/queues/new-queue', '/routing/distributionPolicies/new-policy'), length: fc.oneof(fc.integer({ min: 513, max: 200_000 }), fc.constant(MIB + 1)) }).map(({ path, length }) => ({
        method: 'PATCH',
        target: `${path}?${API}`,
        body: json({ ...(goodBody(path) as object), name: 'n'.repeat(length) }),
        contentType: 'application/merge-patch+json',
      })),
      // Ids the router cannot hold.
      fc.record({ id: fc.oneof(fc.string({ minLength: 129, maxLength: 300 }).map((id) => id.replace(/[^a-z]/g, 'a')), fc.constantFrom('a b', 'a%2Fb', 'é', 'a@b', 'x%00')), path: fc.constantFrom('queues', 'workers', 'jobs', 'distributionPolicies') }).map(({ id, path }) => ({
        method: 'PATCH',
        target: `/routing/${path}/${id.includes('%') ? id : encodeURIComponent(id)}?${API}`,
        body: json(goodBody(`/routing/${path}/x`)),
        contentType: 'application/merge-patch+json',
      })),
      // Stale preconditions on a good update.
      fc.record({ path: fc.constantFrom('/routing/queues/seed-queue', '/routing/jobs/seed-job', '/routing/workers/seed-worker'), etag: fc.string() }).map(({ path, etag }) => ({
        method: 'PATCH',
        target: `${path}?${API}`,
        body: json({ labels: { touched: true } }),
        contentType: 'application/merge-patch+json',
        headers: { 'if-match': `"${etag.replace(/[^\x20-\x7e]/g, '')}"` },
      })),
      // Actions with options of the wrong type, or on things that do not exist.
      fc.oneof(
        fc.record({ note: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant('n'.repeat(10_001))) }).map((body) => ({ target: '/routing/jobs/seed-job:cancel', body })),
        fc.record({ closeAt: fc.string() }).map((body) => ({ target: '/routing/jobs/seed-job/assignments/nope:close', body })),
        fc.record({ retryOfferAt: fc.string().filter((text) => Number.isNaN(Date.parse(text))) }).map((body) => ({ target: '/routing/workers/seed-worker/offers/nope:decline', body })),
        fc.record({ suspendMatching: fc.string() }).map((body) => ({ target: '/routing/jobs/seed-job/assignments/nope:unassign', body })),
        fc.stringMatching(/^[a-z0-9-]{1,40}$/).map((offerId) => ({ target: `/routing/workers/seed-worker/offers/${offerId}:accept`, body: {} })),
        fc.record({ expiresInSeconds: fc.oneof(fc.integer({ max: 0 }), fc.string()) }).map((body) => ({ target: '/routing/workers/seed-worker:issueToken', body })),
      ).map(({ target, body }) => ({ method: 'POST', target: `${target}?${API}`, body: json(body), contentType: 'application/json' })),
      // Deletes of what is still in use.
      fc.constantFrom('/routing/queues/seed-queue', '/routing/distributionPolicies/seed-policy', '/routing/jobs/seed-job', '/routing/jobs/nobody').map((path) => ({ method: 'DELETE', target: `${path}?${API}` })),
      // Lists with filters of the wrong type.
      fc
        .constantFrom(
          ...[
            ['jobs', ['maxpagesize', 'status', 'scheduledBefore', 'scheduledAfter', 'queueId']],
            ['workers', ['maxpagesize', 'state', 'hasCapacity', 'channelId']],
            ['queues', ['maxpagesize']],
          ].flatMap(([list, keys]) => (keys as string[]).map((key) => ({ list: list as string, key }))),
        )
        .chain(({ list, key }) =>
          fc.record({
            list: fc.constant(list),
            key: fc.constant(key),
            // Ids are refused only for their characters or length; the other filters also for their form.
            value: key.endsWith('Id') ? fc.constantFrom('a b', '!!', 'x'.repeat(200)) : fc.constantFrom('0', '-1', '1001', 'a b', 'tru', '1.5', '%%%', '!!'),
          }),
        )
        .map(({ list, key, value }) => ({
        method: 'GET',
        target: `/routing/${list}?${API}&${key}=${encodeURIComponent(value)}`,
      })),
    ),
    noiseHeadersArb,
  )
  .map(([request, noise]) => {
    const { headers, ...rest } = request as Omit<HostileRequest, 'headers'> & { headers?: Record<string, string> };
    return { ...rest, headers: { ...noise, ...headers } };
  });

async function send(request: HostileRequest): Promise<{ status: number; errorCode: string | null; text: string }> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const response = await fetch(`${server.url}${request.target}`, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, errorCode: response.headers.get('x-ms-error-code'), text: await response.text() };
}

describe('the REST face under hostile input', () => {
  it('answers every bad request with a 4xx and a communicationError body, never faults, and changes nothing', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(hostileArb, async (request) => {
        const reply = await send(request);
        expect(reply.status, `${request.method} ${request.target.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(reply.status, reply.text.slice(0, 500)).toBeLessThan(500);
        if (request.method === 'HEAD') return;
        const body = JSON.parse(reply.text) as { communicationError: { code: string; message: string; details: Array<{ code: string }> } };
        expect(body.communicationError).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        expect(body.communicationError.details[0]?.code).toBe(reply.errorCode);
      }),
      { numRuns: 400 },
    );
    expect(faults).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });
});
