/** How many recent dispatches a queue's estimate is based on. */
const WINDOW = 100;

/**
 * Estimates how long a queued job will wait from how fast its queue has been dispatching lately: a job with `ahead`
 * jobs before it waits about `(ahead + 1) / rate`. With fewer than two dispatches there is no rate yet, and the
 * estimate is absent (Azure omits it too).
 */
export class WaitEstimator {
  readonly #times: number[] = [];

  record(at: number): void {
    this.#times.push(at);
    if (this.#times.length > WINDOW) this.#times.shift();
  }

  /** Estimated minutes until a job with `ahead` jobs before it is dispatched, or undefined without history. */
  minutesFor(ahead: number, now: number): number | undefined {
    const first = this.#times[0];
    if (this.#times.length < 2 || first === undefined) return undefined;
    const spanMinutes = Math.max(now - first, 1) / 60_000;
    const perMinute = (this.#times.length - 1) / spanMinutes;
    return (ahead + 1) / perMinute;
  }
}
