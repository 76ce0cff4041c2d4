/**
 * Hostile input at the WebSocket face: malformed JSON, wrong types, huge strings, deep nesting, unknown operations
 * and floods. Whatever arrives, the server stays up, answers every message exactly once with the error its kind
 * calls for, and the router's state is exactly what it was.
 */
import { once } from 'node:events';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ErrorCode } from '../../src/errors.ts';
import { MAX_NESTING_DEPTH } from '../../src/gateway/ws/dispatch.ts';
import { gatewayOperations } from '../../src/gateway/ws/messages.schemas.ts';
import { operations } from '../../src/operations/table.ts';
import { startInProcessServer, type InProcessServer } from '../e2e/support/ws-server.ts';

/** One hostile message and the answer it must get: `id: null` when the message has no readable id. */
interface Hostile {
  readonly text: string;
  readonly id: number | null;
  readonly code: ErrorCode;
}

/** Built with a placeholder id, replaced per message so answers can be matched to requests. */
type HostileArb = fc.Arbitrary<(id: number) => Hostile>;

const KNOWN_OPS = new Set<string>([...operations.map((operation) => operation.name), ...Object.keys(gatewayOperations)]);

/** Values no schema accepts where a resource id is expected; strings up to `big` characters. */
const badId = (big: number) =>
  fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    fc.constantFrom('', 'has/slash', 'has:colon', 'has space'),
    fc.integer({ min: 129, max: Math.max(129, big) }).map((length) => 'x'.repeat(length)),
  );

/** Fields a client might add, harmless or not, that must not change the outcome of an invalid request. */
const junk = (big: number) =>
  fc.dictionary(
    fc.constantFrom('labels', 'queueId', 'note', 'extra', '__proto__', 'constructor'),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 1, max: big }).map((length) => 'y'.repeat(length))),
    { maxKeys: 3 },
  );

/** Arguments that fail validation for `op` whatever else they hold. */
function invalidArgs(op: string, path: string | undefined, big: number): fc.Arbitrary<Record<string, unknown>> {
  const params = [...(path ?? '').matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  if (params.length > 0)
    return fc.tuple(junk(big), fc.constantFrom(...params), badId(big)).map(([extra, param, value]) => ({ ...extra, [param]: value }));
  switch (op) {
    case 'subscribe':
      return fc.constantFrom({ stream: 'nope' }, { types: ['NotAnEvent'] }, { stream: 'transitions', jobId: 'j' });
    case 'unsubscribe':
      return badId(big)
        .filter((value) => typeof value !== 'string')
        .map((subscriptionId) => ({ subscriptionId }));
    case 'attachWorker':
      return badId(big).map((workerId) => ({ workerId }));
    default:
      // Lists: every one pages.
      return fc.constantFrom(-1, 0, 'abc', 10_000_000, true).map((maxpagesize) => ({ maxpagesize }));
  }
}

const notJson: HostileArb = fc
  .oneof(fc.string(), fc.constantFrom('{', '{"id": 1,', "{'id': 1}", 'undefined', 'NaN', '[1,]', '\u0000'))
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  })
  .map((text) => () => ({ text, id: null, code: 'InvalidJson' }));

const notAnObject: HostileArb = fc
  .oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }))
  .map((value) => () => ({ text: JSON.stringify(value), id: null, code: 'InvalidRequest' }));

const badEnvelope: HostileArb = fc
  .oneof(
    fc.constant({ args: {} }),
    fc.record({ op: fc.oneof(fc.integer(), fc.constant(null), fc.constant(['getJob'])) }),
    fc.record({ op: fc.constantFrom(...KNOWN_OPS), args: fc.oneof(fc.string(), fc.array(fc.integer()), fc.integer()) }),
    fc.record({ op: fc.constantFrom(...KNOWN_OPS), args: fc.constant({}), extra: fc.jsonValue({ maxDepth: 2 }) }),
  )
  .map((fields) => (id) => ({ text: JSON.stringify({ id, ...fields }), id, code: 'InvalidRequest' }));

const unknownOp = (big: number): HostileArb =>
  fc
    .tuple(
      fc.oneof(
        fc.string(),
        fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'GETJOB', 'getJob '),
        fc.integer({ min: 65, max: Math.max(65, big) }).map((length) => 'z'.repeat(length)),
      ),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    )
    .filter(([op]) => !KNOWN_OPS.has(op))
    .map(([op, args]) => (id) => ({ text: JSON.stringify({ id, op, args }), id, code: 'RouteNotFound' }));

const badArgs = (big: number): HostileArb =>
  fc
    .constantFrom(
      ...operations.map((operation) => ({ op: operation.name as string, path: operation.path as string | undefined })),
      ...Object.keys(gatewayOperations).map((op) => ({ op, path: undefined })),
    )
    .chain(({ op, path }) => invalidArgs(op, path, big).map((args) => ({ op, args })))
    .map(({ op, args }) => (id) => ({ text: JSON.stringify({ id, op, args }), id, code: 'InvalidRequest' }));

/** Deepest nesting that keeps a message under the 1 MiB limit (5 bytes a level), which would end the connection. */
const MAX_NESTING_FOR_PAYLOAD = 100_000;

/** Arguments nested past the limit, up to `big` levels, in objects or arrays. */
const deepNesting = (big: number): HostileArb =>
  fc
    .tuple(fc.constantFrom(...KNOWN_OPS), fc.integer({ min: MAX_NESTING_DEPTH, max: Math.max(MAX_NESTING_DEPTH, Math.min(big, MAX_NESTING_FOR_PAYLOAD)) }), fc.boolean())
    .map(([op, depth, arrays]) => (id) => {
      const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
      const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
      return { text: `{"id":${id},"op":${JSON.stringify(op)},"args":{"jobId":"j","labels":${deep}}}`, id, code: 'InvalidRequest' };
    });

/** Any hostile message, with strings and nesting up to `big`; the flood uses small ones so thousands fit in time. */
const hostile = (big: number): HostileArb =>
  fc.oneof(notJson, notAnObject, badEnvelope, unknownOp(big), badArgs(big), deepNesting(big));

let server: InProcessServer;
let socket: WebSocket;
let nextId = 0;

/** Everything the router holds, as the faces would show it. */
async function snapshot(): Promise<string> {
  const { router } = server;
  return JSON.stringify([
    router.lastSequenceNumber,
    await router.listDistributionPolicies(),
    await router.listQueues(),
    await router.listClassificationPolicies(),
    await router.listExceptionPolicies(),
    await router.listJobs({ status: 'all' }),
    await router.listWorkers({ state: 'all' }),
  ]);
}

/** Sends every message at once and collects one answer per message. */
async function flood(texts: readonly string[]): Promise<Array<{ id: unknown; code: unknown }>> {
  if (socket.readyState !== WebSocket.OPEN) throw new Error('the connection was closed by an earlier message');
  const answers: Array<{ id: unknown; code: unknown }> = [];
  const done = new Promise<void>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const answer = JSON.parse(data.toString()) as { id: unknown; ok: boolean; error?: { code: string } };
      answers.push({ id: answer.id, code: answer.ok ? 'ok' : answer.error?.code });
      if (answers.length === texts.length) finish();
    };
    const onClose = (code: number) => reject(new Error(`the server closed the connection (${code})`));
    const finish = () => {
      socket.off('message', onMessage);
      socket.off('close', onClose);
      resolve();
    };
    socket.on('message', onMessage);
    socket.once('close', onClose);
  });
  for (const text of texts) socket.send(text);
  await done;
  return answers;
}

/** Answers can come in any order; compared sorted. */
function sorted(answers: ReadonlyArray<{ id: unknown; code: unknown }>): Array<{ id: unknown; code: unknown }> {
  const key = ({ id, code }: { id: unknown; code: unknown }) => `${String(id)}|${String(code)}`;
  return [...answers].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The answers `messages` must get. */
const expected = (messages: readonly Hostile[]) => sorted(messages.map(({ id, code }) => ({ id, code })));

beforeAll(async () => {
  server = await startInProcessServer();
  const { router } = server;
  await router.upsertDistributionPolicy('d', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { distributionPolicyId: 'd' });
  await router.upsertWorker('w', { queues: ['q'], capacity: 1, channels: [{ channelId: 'voice', capacityCostPerJob: 1 }], availableForOffers: true });
  await router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
  socket = new WebSocket(server.wsUrl);
  await once(socket, 'open');
});

afterAll(async () => {
  socket?.close();
  await server?.stop();
});

describe('hostile WebSocket input', () => {
  it('is answered once per message with the error its kind calls for, and changes nothing', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.array(hostile(200_000), { minLength: 1, maxLength: 20 }), async (builders) => {
        const messages = builders.map((build) => build(++nextId));
        const answers = await flood(messages.map((message) => message.text));
        expect(sorted(answers)).toEqual(expected(messages));
        expect(await snapshot()).toBe(before);
      }),
      { numRuns: 100 },
    );
  });

  it('survives a flood of thousands of messages sent without waiting, answering each', async () => {
    const before = await snapshot();
    const messages = fc.sample(hostile(300), { numRuns: 5000, seed: 42 }).map((build) => build(++nextId));
    const answers = await flood(messages.map((message) => message.text));
    expect(sorted(answers)).toEqual(expected(messages));
    expect(await snapshot()).toBe(before);
  });

  it('still serves valid requests on the same connection afterwards', async () => {
    const id = ++nextId;
    expect(await flood([JSON.stringify({ id, op: 'getJob', args: { jobId: 'j' } })])).toEqual([{ id, code: 'ok' }]);
  });
});
