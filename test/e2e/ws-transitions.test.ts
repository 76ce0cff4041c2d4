/**
 * The transitions stream on the wire, through a real server process and plain `ws` sockets: every actor's creation
 * comes with `from: null`, a snapshot is followed by exactly the changes it does not show, `kinds` and `ids` filter
 * both, and bad filters are refused with a stable code while nothing is subscribed.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { SwitchboardClient } from '../../src/client/index.ts';
import { MAX_TRANSITION_IDS } from '../../src/gateway/ws/messages.schemas.ts';
import { createQueue, createWorker } from './support/ws-fixtures.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

interface Actor {
  readonly kind: string;
  readonly id: string;
}
interface TransitionMessage {
  readonly type: 'transition';
  readonly subscriptionId: string;
  readonly actor: Actor;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
}
interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly subscriptionId: string;
  readonly actors: ReadonlyArray<Actor & { readonly state: string }>;
}
type Message = TransitionMessage | SnapshotMessage | { readonly id: number; readonly ok: boolean; readonly result?: unknown; readonly error?: { code: string; target?: string } };

/** A plain WebSocket that keeps every message it receives, in order. */
interface RawSocket {
  readonly messages: Message[];
  request(op: string, args: Record<string, unknown>): Promise<Message>;
  pushes(): Array<TransitionMessage | SnapshotMessage>;
  close(): void;
}

let server: ServerProcess;
let wsUrl: string;
let admin: SwitchboardClient;
const sockets: RawSocket[] = [];

async function rawSocket(): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl);
  await once(socket, 'open');
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  let nextId = 0;
  const raw: RawSocket = {
    messages,
    async request(op, args) {
      const id = ++nextId;
      socket.send(JSON.stringify({ id, op, args }));
      await vi.waitFor(() => expect(messages.some((message) => 'id' in message && message.id === id)).toBe(true));
      return messages.find((message) => 'id' in message && message.id === id)!;
    },
    pushes: () => messages.filter((message): message is TransitionMessage | SnapshotMessage => 'type' in message),
    close: () => socket.close(),
  };
  sockets.push(raw);
  return raw;
}

const key = (actor: Actor) => `${actor.kind}/${actor.id}`;
const transitionsOf = (socket: RawSocket) => socket.pushes().filter((push): push is TransitionMessage => push.type === 'transition');

/** Lets the server push whatever it has committed: a request answered afterwards went through the same pipeline. */
async function settle(): Promise<void> {
  await admin.call('listQueues', {});
  await new Promise((resolve) => setTimeout(resolve, 50));
}

beforeAll(async () => {
  server = await startServerProcess();
  wsUrl = wsUrlOf(server.url);
  admin = await SwitchboardClient.connect(wsUrl);
  await createQueue(admin, 'q');
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await admin?.close();
  await server?.stop();
});

describe('the creation of every actor on the transitions stream', () => {
  it('comes first for each kind, from null into the machine’s initial state', async () => {
    const socket = await rawSocket();
    expect(await socket.request('subscribe', { stream: 'transitions' })).toMatchObject({ ok: true });
    await createQueue(admin, 'born-q');
    await createWorker(admin, 'born-w', 'born-q');
    await admin.call('upsertJob', { jobId: 'born-j', queueId: 'born-q', channelId: 'voice' });
    await vi.waitFor(() => expect(transitionsOf(socket).some((t) => t.actor.kind === 'offer')).toBe(true));

    const first = new Map<string, TransitionMessage>();
    for (const transition of transitionsOf(socket)) if (!first.has(key(transition.actor))) first.set(key(transition.actor), transition);
    const offer = [...first.values()].find((t) => t.actor.kind === 'offer')!;
    expect(first.get('queue/born-q')).toMatchObject({ from: null, to: 'empty', event: 'queue.create' });
    expect(first.get('worker/born-w')).toMatchObject({ from: null, to: 'inactive', event: 'worker.create' });
    expect(first.get('job/born-j')).toMatchObject({ from: null, to: 'created', event: 'job.create' });
    expect(offer).toMatchObject({ from: null, to: 'issued', event: 'offer.issue' });
    // Nothing else is ever created from null: every later change starts from the state before it.
    for (const transition of transitionsOf(socket)) if (transition !== first.get(key(transition.actor))) expect(transition.from).not.toBeNull();
  });
});

describe('a transitions subscription with a snapshot', () => {
  it('pushes the snapshot first, then exactly the changes after it, while other clients keep changing actors', async () => {
    await createQueue(admin, 'snap-q');
    await createWorker(admin, 'snap-w', 'snap-q', 5);
    // Changes in flight while the subscription is made, some before it and some after, on another connection.
    const churn = (async () => {
      for (let round = 0; round < 40; round++) {
        const jobId = `snap-j${round}`;
        await admin.call('upsertJob', { jobId, queueId: 'snap-q', channelId: 'voice' });
        if (round % 3 === 0) await admin.call('cancelJob', { jobId });
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const socket = await rawSocket();
    const answer = await socket.request('subscribe', { stream: 'transitions', snapshot: true });
    expect(answer).toMatchObject({ ok: true });
    await churn;
    await settle();

    const [snapshot, ...changes] = socket.pushes();
    expect(snapshot?.type).toBe('snapshot');
    const states = new Map((snapshot as SnapshotMessage).actors.map((actor) => [key(actor), actor.state]));
    expect(states.get('queue/snap-q')).toBeDefined();
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      expect(change.type).toBe('transition');
      const transition = change as TransitionMessage;
      // No gap and no repeat: each change starts where the snapshot or the previous change left the actor.
      expect({ actor: key(transition.actor), from: transition.from }).toEqual({ actor: key(transition.actor), from: states.get(key(transition.actor)) ?? null });
      states.set(key(transition.actor), transition.to);
    }

    // What the changes led to is what a fresh snapshot shows.
    const later = await rawSocket();
    await later.request('subscribe', { stream: 'transitions', snapshot: true });
    await vi.waitFor(() => expect(later.pushes()).toHaveLength(1));
    for (const actor of (later.pushes()[0] as SnapshotMessage).actors) expect([key(actor), states.get(key(actor))]).toEqual([key(actor), actor.state]);
  });

  it('is an empty snapshot when no actor matches', async () => {
    const socket = await rawSocket();
    await socket.request('subscribe', { stream: 'transitions', ids: ['nobody'], snapshot: true });
    await vi.waitFor(() => expect(socket.pushes()).toEqual([{ type: 'snapshot', subscriptionId: expect.any(String), actors: [] }]));
  });
});

describe('transitions filters', () => {
  it('apply to the snapshot and to the changes: kinds, ids and both together', async () => {
    await createQueue(admin, 'filter-q');
    await createWorker(admin, 'filter-w', 'filter-q');
    await admin.call('upsertJob', { jobId: 'filter-j1', queueId: 'filter-q', channelId: 'voice' });
    const byKind = await rawSocket();
    const byId = await rawSocket();
    const byBoth = await rawSocket();
    await byKind.request('subscribe', { stream: 'transitions', kinds: ['worker', 'queue'], snapshot: true });
    await byId.request('subscribe', { stream: 'transitions', ids: ['filter-j1', 'filter-j2'], snapshot: true });
    await byBoth.request('subscribe', { stream: 'transitions', kinds: ['job'], ids: ['filter-j2', 'filter-w'], snapshot: true });

    await admin.call('upsertJob', { jobId: 'filter-j2', queueId: 'filter-q', channelId: 'voice' });
    await admin.call('cancelJob', { jobId: 'filter-j1' });
    await admin.call('cancelJob', { jobId: 'filter-j2' });
    await admin.call('upsertWorker', { workerId: 'filter-w', availableForOffers: false });
    await settle();

    const kindsSeen = (socket: RawSocket) => new Set(socket.pushes().flatMap((push) => (push.type === 'snapshot' ? push.actors.map((a) => a.kind) : [push.actor.kind])));
    const idsSeen = (socket: RawSocket) => new Set(socket.pushes().flatMap((push) => (push.type === 'snapshot' ? push.actors.map((a) => a.id) : [push.actor.id])));

    expect([...kindsSeen(byKind)].sort()).toEqual(['queue', 'worker']);
    expect((byKind.pushes()[0] as SnapshotMessage).actors).toContainEqual({ kind: 'worker', id: 'filter-w', state: 'active' });
    expect(transitionsOf(byKind).at(-1)).toMatchObject({ actor: { kind: 'worker', id: 'filter-w' }, from: 'active' });

    expect((byId.pushes()[0] as SnapshotMessage).actors).toEqual([{ kind: 'job', id: 'filter-j1', state: expect.any(String) }]);
    expect([...idsSeen(byId)].sort()).toEqual(['filter-j1', 'filter-j2']);
    expect(transitionsOf(byId).find((t) => t.actor.id === 'filter-j2')).toMatchObject({ from: null, to: 'created' });

    expect((byBoth.pushes()[0] as SnapshotMessage).actors).toEqual([]);
    expect([...idsSeen(byBoth)]).toEqual(['filter-j2']);
    expect(transitionsOf(byBoth).at(-1)).toMatchObject({ actor: { kind: 'job', id: 'filter-j2' }, to: 'cancelled' });
  });
});

describe('bad transitions filters', () => {
  const refusals: Array<[string, Record<string, unknown>, { code: string; target: string }]> = [
    [`more than ${MAX_TRANSITION_IDS} ids`, { ids: Array.from({ length: MAX_TRANSITION_IDS + 1 }, (_, i) => `a${i}`) }, { code: 'TooManySubscriptionIds', target: 'ids' }],
    ['an unknown kind', { kinds: ['policy'] }, { code: 'InvalidRequest', target: 'kinds.0' }],
    ['no kinds at all', { kinds: [] }, { code: 'InvalidRequest', target: 'kinds' }],
    ['an empty id', { ids: [''] }, { code: 'InvalidRequest', target: 'ids.0' }],
    ['a snapshot that is not a boolean', { snapshot: 'yes' }, { code: 'InvalidRequest', target: 'snapshot' }],
    ['an events filter', { jobId: 'j' }, { code: 'InvalidRequest', target: 'jobId' }],
  ];

  it.each(refusals)('refuses %s with a stable code, and subscribes nothing', async (_name, args, error) => {
    const socket = await rawSocket();
    expect(await socket.request('subscribe', { stream: 'transitions', ...args })).toMatchObject({ ok: false, error });
    await admin.call('upsertJob', { jobId: `refused-${Math.random()}`, queueId: 'q', channelId: 'voice' });
    await settle();
    expect(socket.pushes()).toEqual([]);
  });

  it('accepts exactly the limit of ids', async () => {
    const socket = await rawSocket();
    const ids = Array.from({ length: MAX_TRANSITION_IDS }, (_, i) => `b${i}`);
    expect(await socket.request('subscribe', { stream: 'transitions', ids })).toMatchObject({ ok: true });
  });

  it('refuses transitions filters on the events stream', async () => {
    const socket = await rawSocket();
    expect(await socket.request('subscribe', { kinds: ['job'] })).toMatchObject({ ok: false, error: { code: 'InvalidRequest', target: 'kinds' } });
    expect(await socket.request('subscribe', { stream: 'events', snapshot: true })).toMatchObject({ ok: false, error: { code: 'InvalidRequest', target: 'snapshot' } });
  });
});
