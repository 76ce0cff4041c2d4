import { describe, expect, it } from 'vitest';
import type { ActorState, Push, PushSubscriber, Transition } from '../../src/console/ui/stream-types.ts';
import { followTransitions } from '../../src/console/ui/transitions.ts';

/** A stand-in for the console's connection: answers `subscribe` as `answer` says, then lets the test push. */
function fakeServer(answer: (args: Record<string, unknown>) => 'ok' | 'InvalidRequest') {
  const asked: Array<Record<string, unknown>> = [];
  let onPush: ((push: Push) => void) | undefined;
  let unsubscribed = 0;
  const subscriber: PushSubscriber = {
    async subscribe(args, listener) {
      asked.push(args);
      if (answer(args) === 'InvalidRequest') throw Object.assign(new Error('filters apply to the events stream only'), { code: 'InvalidRequest' });
      onPush = listener;
      return () => unsubscribed++;
    },
  };
  return {
    subscriber,
    asked,
    push: (push: Record<string, unknown>) => onPush?.({ subscriptionId: 's1', ...push } as Push),
    unsubscribed: () => unsubscribed,
  };
}

const transition = (id: string, from: string | null, to: string, event = 'job.x'): Transition => ({ actor: { kind: 'job', id }, from, to, event });

function recorder() {
  const seen: Array<['snapshot', readonly ActorState[]] | ['transition', Transition]> = [];
  return { seen, handlers: { onSnapshot: (actors: readonly ActorState[]) => seen.push(['snapshot', actors]), onTransition: (t: Transition) => seen.push(['transition', t]) } };
}

describe('following actors on the transitions stream', () => {
  it('asks for exactly the actors, with a snapshot, and hands on the snapshot before the changes', async () => {
    const server = fakeServer(() => 'ok');
    const { seen, handlers } = recorder();
    const rest = async (): Promise<ActorState[]> => {
      throw new Error('REST is not read when the server gives a snapshot');
    };
    await followTransitions(server.subscriber, { kinds: ['job'], ids: ['j1'] }, handlers, rest);
    expect(server.asked).toEqual([{ stream: 'transitions', kinds: ['job'], ids: ['j1'], snapshot: true }]);
    server.push({ type: 'snapshot', actors: [{ kind: 'job', id: 'j1', state: 'queued' }] });
    server.push({ type: 'transition', ...transition('j1', 'queued', 'assigned') });
    expect(seen).toEqual([
      ['snapshot', [{ kind: 'job', id: 'j1', state: 'queued' }]],
      ['transition', expect.objectContaining(transition('j1', 'queued', 'assigned'))],
    ]);
  });

  it('falls back to the plain stream, filtered here, with the states read over REST, when the server refuses the arguments', async () => {
    const server = fakeServer((args) => ('kinds' in args ? 'InvalidRequest' : 'ok'));
    const { seen, handlers } = recorder();
    let readRest!: (states: ActorState[]) => void;
    const rest = () => new Promise<ActorState[]>((resolve) => (readRest = resolve));
    const following = followTransitions(server.subscriber, { kinds: ['job'], ids: ['j1'] }, handlers, rest);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(server.asked).toEqual([{ stream: 'transitions', kinds: ['job'], ids: ['j1'], snapshot: true }, { stream: 'transitions' }]);
    // While REST is being read: a change REST will already show, another actor, another kind, and a later change.
    server.push({ type: 'transition', ...transition('j1', 'created', 'queued') });
    server.push({ type: 'transition', ...transition('j2', 'queued', 'assigned') });
    server.push({ type: 'transition', actor: { kind: 'worker', id: 'j1' }, from: 'inactive', to: 'active', event: 'worker.configure' });
    server.push({ type: 'transition', ...transition('j1', 'queued', 'assigned') });
    readRest([{ kind: 'job', id: 'j1', state: 'queued' }]);
    await following;
    server.push({ type: 'transition', ...transition('j1', 'assigned', 'completed') });
    server.push({ type: 'transition', ...transition('j3', null, 'created') });
    expect(seen).toEqual([
      ['snapshot', [{ kind: 'job', id: 'j1', state: 'queued' }]],
      ['transition', expect.objectContaining(transition('j1', 'queued', 'assigned'))],
      ['transition', expect.objectContaining(transition('j1', 'assigned', 'completed'))],
    ]);
  });

  it('hands on a held creation of an actor REST did not know yet', async () => {
    const server = fakeServer((args) => ('kinds' in args ? 'InvalidRequest' : 'ok'));
    const { seen, handlers } = recorder();
    let readRest!: (states: ActorState[]) => void;
    const following = followTransitions(server.subscriber, { kinds: ['job'], ids: ['j9'] }, handlers, () => new Promise((resolve) => (readRest = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    server.push({ type: 'transition', ...transition('j9', null, 'created') });
    server.push({ type: 'transition', ...transition('j9', 'created', 'queued') });
    readRest([]);
    await following;
    expect(seen.map(([kind, value]) => (kind === 'snapshot' ? 'snapshot' : `${value.from}→${value.to}`))).toEqual(['snapshot', 'null→created', 'created→queued']);
  });

  it('does not fall back on other refusals, and unsubscribes when REST fails', async () => {
    const refusing: PushSubscriber = { subscribe: async () => Promise.reject(Object.assign(new Error('no'), { code: 'Forbidden' })) };
    await expect(followTransitions(refusing, { kinds: ['job'], ids: [] }, recorder().handlers, async () => [])).rejects.toMatchObject({ code: 'Forbidden' });
    const server = fakeServer((args) => ('kinds' in args ? 'InvalidRequest' : 'ok'));
    await expect(followTransitions(server.subscriber, { kinds: ['job'], ids: ['j1'] }, recorder().handlers, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(server.unsubscribed()).toBe(1);
  });
});
