import { describe, expect, it } from 'vitest';
import type { ActorState, Push, PushSubscriber, Transition } from '../../src/console/ui/stream-types.ts';
import { followTransitions } from '../../src/console/ui/transitions.ts';

/** A stand-in for the console's connection: records what is asked, then lets the test push. */
function fakeServer() {
  const asked: Array<Record<string, unknown>> = [];
  let onPush: ((push: Push) => void) | undefined;
  const subscriber: PushSubscriber = {
    async subscribe(args, listener) {
      asked.push(args);
      onPush = listener;
      return () => undefined;
    },
  };
  return { subscriber, asked, push: (push: Record<string, unknown>) => onPush?.({ subscriptionId: 's1', ...push } as Push) };
}

const transition = (id: string, from: string | null, to: string, event = 'job.x'): Transition => ({ actor: { kind: 'job', id }, from, to, event });

function recorder() {
  const seen: Array<['snapshot', readonly ActorState[]] | ['transition', Transition]> = [];
  return { seen, handlers: { onSnapshot: (actors: readonly ActorState[]) => seen.push(['snapshot', actors]), onTransition: (t: Transition) => seen.push(['transition', t]) } };
}

describe('following actors on the transitions stream', () => {
  it('asks the server for exactly the actors, with a snapshot, and hands on the snapshot before the changes', async () => {
    const server = fakeServer();
    const { seen, handlers } = recorder();
    await followTransitions(server.subscriber, { kinds: ['job'], ids: ['j1'] }, handlers);
    expect(server.asked).toEqual([{ stream: 'transitions', kinds: ['job'], ids: ['j1'], snapshot: true }]);
    server.push({ type: 'snapshot', actors: [{ kind: 'job', id: 'j1', state: 'queued' }] });
    server.push({ type: 'transition', ...transition('j1', 'queued', 'assigned') });
    expect(seen).toEqual([
      ['snapshot', [{ kind: 'job', id: 'j1', state: 'queued' }]],
      ['transition', expect.objectContaining(transition('j1', 'queued', 'assigned'))],
    ]);
  });

  it('passes a refused subscription on to the page, asking nothing else', async () => {
    const asked: Array<Record<string, unknown>> = [];
    const refusing: PushSubscriber = {
      subscribe: async (args) => {
        asked.push(args);
        throw Object.assign(new Error('bad filter'), { code: 'InvalidRequest' });
      },
    };
    await expect(followTransitions(refusing, { kinds: ['job'], ids: ['j1'] }, recorder().handlers)).rejects.toMatchObject({ code: 'InvalidRequest' });
    expect(asked).toHaveLength(1);
  });
});
