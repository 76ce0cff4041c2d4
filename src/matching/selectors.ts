/**
 * Worker selectors against labels (spec §1.6, §3.3): the one place the six label operators are defined.
 */
import type { Labels, RouterValue, SelectorView } from './types.ts';

/**
 * The value of label `key`, or `undefined` when the labels do not have it. Only own keys count, so a label named
 * `constructor` or `toString` is not found on the object prototype.
 */
export function readLabel(labels: Labels, key: string): RouterValue | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * Whether `labels` satisfy one selector.
 *
 * - `equal` / `notEqual` compare primitives strictly: the number `1` does not equal the string `"1"`.
 *   Without a `value`, `equal` asks for the label to be absent and `notEqual` for it to be present.
 *   `notEqual` with a value is satisfied by an absent label.
 * - The magnitude operators hold only when both the label and the selector value are numbers.
 */
export function satisfiesSelector(selector: SelectorView, labels: Labels): boolean {
  const label = readLabel(labels, selector.key);
  const wanted = selector.value;
  switch (selector.labelOperator) {
    case 'equal':
      return label === wanted;
    case 'notEqual':
      return wanted === undefined ? label !== undefined : label !== wanted;
    case 'lessThan':
      return typeof label === 'number' && typeof wanted === 'number' && label < wanted;
    case 'lessThanOrEqual':
      return typeof label === 'number' && typeof wanted === 'number' && label <= wanted;
    case 'greaterThan':
      return typeof label === 'number' && typeof wanted === 'number' && label > wanted;
    case 'greaterThanOrEqual':
      return typeof label === 'number' && typeof wanted === 'number' && label >= wanted;
  }
}

/** Whether `labels` satisfy every selector (an empty list is satisfied). */
export function satisfiesAll(selectors: readonly SelectorView[], labels: Labels): boolean {
  for (const selector of selectors) {
    if (!satisfiesSelector(selector, labels)) return false;
  }
  return true;
}

/**
 * A canonical key for "a job on `channelId` asking for `selectors`": equal for selector lists that match exactly
 * the same workers on the same channel, so jobs can be grouped by it.
 *
 * Order and repetition of selectors do not matter (selectors are a conjunction); value types do (`1` and `"1"` give
 * different keys, as they match different workers). `expedite` is left out: it orders jobs, it does not choose
 * workers. Every part is JSON, which never contains a raw newline, so joining with `\n` cannot make two different
 * inputs collide.
 */
export function selectorSignature(channelId: string, selectors: readonly SelectorView[]): string {
  const channel = JSON.stringify(channelId);
  if (selectors.length === 0) return channel;
  // The common case, taken without the intermediate array and sort: a restart computes this for every queued job.
  if (selectors.length === 1) return `${channel}\n${selectorPart(selectors[0]!)}`;
  const parts = selectors.map(selectorPart).sort();
  let signature = channel;
  let previous: string | undefined;
  for (const part of parts) {
    if (part !== previous) signature += `\n${part}`;
    previous = part;
  }
  return signature;
}

function selectorPart(selector: SelectorView): string {
  // A value is never null (RouterValue), so null safely stands for "no value".
  return JSON.stringify([selector.key, selector.labelOperator, selector.value ?? null]);
}
