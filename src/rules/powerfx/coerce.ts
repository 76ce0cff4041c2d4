/**
 * Power Fx's implicit conversions between Blank, numbers, text and booleans. Labels are dynamic values, so every
 * operator converts its operands at run time with these, and a failed conversion is a runtime error.
 */
import { PowerFxEvaluationError } from './errors.ts';
import type { PowerFxValue } from './types.ts';

/**
 * Number text as Power Fx's `Value` reads it in the invariant culture: optional sign, a leading or trailing `%`
 * (divides by 100), commas as thousands separators in the integer part, decimals and an exponent. Currency symbols
 * and accounting parentheses are not part of this subset.
 */
const NUMBER_TEXT = /^\s*([+-]?)\s*(%?)\s*(\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(%?)\s*$/;

/** Shows a value in an error message, cut short so a huge label cannot flood logs. */
export function describeValue(value: PowerFxValue): string {
  if (value === null) return 'Blank()';
  if (typeof value !== 'string') return toText(value);
  const quoted = JSON.stringify(value);
  return quoted.length > 42 ? `${quoted.slice(0, 40)}…"` : quoted;
}

/** Parses number text like `Value`; `undefined` when the text is not a number. */
export function parseNumberText(text: string): number | undefined {
  const match = NUMBER_TEXT.exec(text);
  if (match === null) return undefined;
  const [, sign = '', percentBefore = '', digits = '', exponent = '0', percentAfter = ''] = match;
  if (percentBefore !== '' && percentAfter !== '') return undefined;
  const magnitude = Number(`${digits.replaceAll(',', '')}e${exponent}`);
  if (!Number.isFinite(magnitude)) return undefined;
  const scaled = percentBefore !== '' || percentAfter !== '' ? magnitude / 100 : magnitude;
  return sign === '-' ? -scaled : scaled;
}

/**
 * Converts for arithmetic and ordering: Blank and `""` are 0, booleans are 1 or 0, number text is parsed.
 *
 * @throws PowerFxEvaluationError when text is not a number.
 */
export function toNumber(value: PowerFxValue, position: number): number {
  if (value === null || value === '') return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const parsed = parseNumberText(value);
  if (parsed === undefined) throw new PowerFxEvaluationError(`Cannot convert ${describeValue(value)} to a number`, position);
  return parsed;
}

/**
 * Formats a number as Power Fx shows it: at most 15 significant digits, which also hides binary floating-point
 * noise (`0.1 + 0.2` shows as `0.3`).
 */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/** Converts for `&` and the text functions: Blank is `""`, booleans are `true`/`false`. Never fails. */
export function toText(value: PowerFxValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return formatNumber(value);
}

/**
 * Converts for conditions and logic: Blank and `""` are false, numbers are true unless 0, and text must read
 * `true` or `false` (any case).
 *
 * @throws PowerFxEvaluationError for any other text.
 */
export function toBoolean(value: PowerFxValue, position: number): boolean {
  if (value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new PowerFxEvaluationError(`Cannot use ${describeValue(value)} as a boolean`, position);
}

/**
 * Checks an arithmetic result. Power Fx reports overflow as an error rather than producing infinity, and it has no
 * negative zero, which JavaScript would otherwise leak into `Text(-0 * 1)`.
 *
 * @throws PowerFxEvaluationError when the result is not a finite number.
 */
export function checkedNumber(value: number, position: number): number {
  if (!Number.isFinite(value)) throw new PowerFxEvaluationError('Numeric result is out of range', position);
  return value === 0 ? 0 : value;
}
