/**
 * Values that are there now or later. Most router rules answer synchronously; only HTTP rules need a promise. Keeping
 * the synchronous case synchronous lets a classification whose rules are all local finish inside the command that
 * started it, with no extra commit and no window in which the job is visibly pending.
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** Whether `value` is a promise (any thenable). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Applies `next` now when `value` is there, or once it arrives. (Not named `then`: a module exporting `then` is a
 * thenable namespace, which `await import()` would call.)
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** Every value, in order: synchronously when none is a promise. */
export function all<T>(values: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some(isPromise) ? Promise.all(values) : (values as T[]);
}
