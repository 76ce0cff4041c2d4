/**
 * Rules that answer later (HTTP rules) are evaluated outside the command that asked for them, and their result is
 * applied in a later command. Meanwhile the subject may have moved on — the job cancelled, classified again, its
 * queue's policy changed — so each start of such work takes a new generation of its subject, and a result is
 * applied only while its generation is still the subject's current one. Classification and asynchronous scoring
 * both guard their results this way.
 */

/** Where a subject's current generation is kept: on the job's record, or in memory. */
export interface GenerationSlots {
  get(subject: string): number | undefined;
  /** `undefined` clears the slot: no work is under way. */
  set(subject: string, generation: number | undefined): void;
}

export class Generations {
  readonly #slots: GenerationSlots;

  constructor(slots: GenerationSlots) {
    this.#slots = slots;
  }

  /** Starts new work on `subject`; every result of earlier work becomes stale. */
  begin(subject: string): number {
    const generation = (this.#slots.get(subject) ?? 0) + 1;
    this.#slots.set(subject, generation);
    return generation;
  }

  isCurrent(subject: string, generation: number): boolean {
    return this.#slots.get(subject) === generation;
  }

  /** Ends the work of `generation` if it is still current (clearing the slot); false when it is stale. */
  finish(subject: string, generation: number): boolean {
    if (!this.isCurrent(subject, generation)) return false;
    this.#slots.set(subject, undefined);
    return true;
  }

  /**
   * Once `result` arrives, applies it in a command of its own if `generation` is still current then. Nobody waits
   * for that command: a failed commit has already stopped the router, so its rejection has no one to answer.
   */
  applyLater<T>(
    subject: string,
    generation: number,
    result: Promise<T>,
    command: (apply: () => void) => Promise<unknown>,
    apply: (value: T) => void,
  ): void {
    result
      .then((value) =>
        command(() => {
          if (this.isCurrent(subject, generation)) apply(value);
        }),
      )
      .catch(() => undefined);
  }
}

/** Generations kept in memory, for work that a restart does not resume. */
export class InMemoryGenerations extends Generations {
  readonly #current: Map<string, number>;

  constructor() {
    const current = new Map<string, number>();
    super({ get: (subject) => current.get(subject), set: (subject, n) => (n === undefined ? current.delete(subject) : current.set(subject, n)) });
    this.#current = current;
  }

  /** Whether work on `subject` is under way. */
  has(subject: string): boolean {
    return this.#current.has(subject);
  }

  get size(): number {
    return this.#current.size;
  }
}
