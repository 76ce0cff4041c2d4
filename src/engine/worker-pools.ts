import type { Actor } from 'xstate';
import type { WorkerContext, workerMachine } from '../../machines/worker.machine.ts';

type WorkerActor = Actor<typeof workerMachine>;

const NONE: ReadonlySet<string> = new Set();

/**
 * Two sets of workers per queue: the registered ones (the candidates for a new job) and, among them, the idle ones —
 * load 0, the best a longest-idle ranking can find — ordered by `availableSince`, so that longest-idle distribution
 * can stop at the first eligible idle workers instead of looking at every worker of the queue.
 */
export class WorkerPools {
  readonly #registered = new Map<string, Set<WorkerActor>>();
  readonly #idle = new Map<string, Set<WorkerActor>>();
  /** The latest `availableSince` appended to each idle set. */
  readonly #idleTails = new Map<string, number>();

  /** Registered workers of a queue, in no particular order. */
  registered(queueId: string): ReadonlySet<WorkerActor> | undefined {
    return this.#registered.get(queueId);
  }

  /** Idle workers of a queue, longest idle first. */
  idle(queueId: string): Iterable<WorkerActor> {
    return this.#idle.get(queueId) ?? NONE_ACTORS;
  }

  /** Moves a worker between the sets after it changed from `before` to `after` (undefined: absent). */
  update(actor: WorkerActor, before: WorkerContext | undefined, after: WorkerContext | undefined): void {
    move(this.#registered, actor, before?.active ? before.queues : undefined, after?.active ? after.queues : undefined);
    const idleBefore = idleQueues(before);
    const idleAfter = idleQueues(after);
    const joined = move(this.#idle, actor, idleBefore, idleAfter);
    // A worker that stays idle while its idle time restarts (a job on a free channel ended) takes its new place too.
    if (idleBefore && idleAfter && before!.availableSince !== after!.availableSince)
      for (const queueId of idleAfter) {
        if (!idleBefore.has(queueId)) continue;
        const set = this.#idle.get(queueId)!;
        set.delete(actor);
        set.add(actor);
        joined.push(queueId);
      }
    // A worker usually becomes idle now, after every other idle worker; one that joins a queue while already idle
    // may have been idle for longer, and then that queue's order is restored.
    for (const queueId of joined) {
      const since = after!.availableSince;
      const tail = this.#idleTails.get(queueId) ?? -Infinity;
      if (since >= tail) this.#idleTails.set(queueId, since);
      else this.#sortIdle(queueId);
    }
  }

  #sortIdle(queueId: string): void {
    const set = this.#idle.get(queueId);
    if (!set) return;
    const sorted = [...set].sort((a, b) => a.getSnapshot().context.availableSince - b.getSnapshot().context.availableSince);
    set.clear();
    for (const actor of sorted) set.add(actor);
    this.#idleTails.set(queueId, sorted.at(-1)?.getSnapshot().context.availableSince ?? -Infinity);
  }
}

const NONE_ACTORS: ReadonlySet<WorkerActor> = new Set();

/**
 * Idle means load 0 — what longest idle ranks first — on a worker that can take anything at all. A job on a channel
 * that costs nothing leaves its worker idle in this sense, as it leaves its load ratio at 0.
 */
function idleQueues(context: WorkerContext | undefined): ReadonlySet<string> | undefined {
  return context?.active && context.capacity > 0 && context.usedCapacity === 0 ? context.queues : undefined;
}

/** Moves `actor` from the sets of `from` to those of `to`; returns the queues whose set it joined. */
function move(
  sets: Map<string, Set<WorkerActor>>,
  actor: WorkerActor,
  from: ReadonlySet<string> | undefined,
  to: ReadonlySet<string> | undefined,
): string[] {
  if (from === to) return [];
  for (const queueId of from ?? NONE) if (!to?.has(queueId)) sets.get(queueId)?.delete(actor);
  const joined: string[] = [];
  for (const queueId of to ?? NONE) {
    if (from?.has(queueId)) continue;
    let set = sets.get(queueId);
    if (!set) sets.set(queueId, (set = new Set()));
    set.add(actor);
    joined.push(queueId);
  }
  return joined;
}
