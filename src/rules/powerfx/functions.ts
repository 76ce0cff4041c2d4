/**
 * The built-in functions of the subset. Each entry carries its arity, which the parser checks when a policy is
 * saved, and builds an evaluator from its arguments' evaluators, so calls cost no lookup at evaluation time.
 */
import { formatNumber, toBoolean, toNumber, toText } from './coerce.ts';
import { PowerFxEvaluationError } from './errors.ts';
import type { PowerFxContext, PowerFxValue } from './types.ts';

/** A compiled sub-expression. It throws PowerFxEvaluationError; only `evaluate` turns that into a result. */
export type Evaluator = (context: PowerFxContext) => PowerFxValue;

/** A built-in function: how many arguments it takes and how to build its evaluator. */
export interface BuiltinFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** `position` is the offset of the function name, cited by runtime errors. */
  build(args: readonly Evaluator[], position: number): Evaluator;
}

function argumentAt(args: readonly Evaluator[], index: number): Evaluator {
  const arg = args[index];
  // The parser has checked arity already; reaching this means the catalogue below disagrees with itself.
  if (arg === undefined) throw new Error(`Built-in function built without argument ${index}`);
  return arg;
}

function unary(apply: (value: PowerFxValue, position: number) => PowerFxValue): BuiltinFunction {
  return {
    minArgs: 1,
    maxArgs: 1,
    build(args, position) {
      const value = argumentAt(args, 0);
      return (context) => apply(value(context), position);
    },
  };
}

function binary(apply: (first: PowerFxValue, second: PowerFxValue, position: number) => PowerFxValue): BuiltinFunction {
  return {
    minArgs: 2,
    maxArgs: 2,
    build(args, position) {
      const first = argumentAt(args, 0);
      const second = argumentAt(args, 1);
      return (context) => apply(first(context), second(context), position);
    },
  };
}

/** Counts and starts are truncated toward zero, as Power Fx does; below `min` is an invalid argument. */
function wholeNumber(value: PowerFxValue, position: number, what: string, min: number): number {
  const number = Math.trunc(toNumber(value, position));
  if (number < min) {
    throw new PowerFxEvaluationError(`${what} must be at least ${min}, not ${formatNumber(number)}`, position);
  }
  return number;
}

/** Case-insensitive substring test shared by `in` and `Contains`. */
export function containsIgnoringCase(text: string, part: string): boolean {
  return text.toLowerCase().includes(part.toLowerCase());
}

/** `And(…)`, `a And b`, `a && b`: short-circuits, so later arguments are not evaluated once one is false. */
export function buildAnd(args: readonly Evaluator[], position: number): Evaluator {
  return (context) => args.every((arg) => toBoolean(arg(context), position));
}

/** `Or(…)`, `a Or b`, `a || b`: short-circuits once one argument is true. */
export function buildOr(args: readonly Evaluator[], position: number): Evaluator {
  return (context) => args.some((arg) => toBoolean(arg(context), position));
}

/** `If(cond, result, [cond2, result2, …], [else])`: conditions in order; only the chosen result is evaluated. */
function buildIf(args: readonly Evaluator[], position: number): Evaluator {
  const branches: (readonly [Evaluator, Evaluator])[] = [];
  for (let index = 0; index + 1 < args.length; index += 2) {
    branches.push([argumentAt(args, index), argumentAt(args, index + 1)]);
  }
  const otherwise: Evaluator = args.length % 2 === 1 ? argumentAt(args, args.length - 1) : () => null;
  return (context) => {
    for (const [condition, result] of branches) {
      if (toBoolean(condition(context), position)) return result(context);
    }
    return otherwise(context);
  };
}

const mid: BuiltinFunction = {
  minArgs: 2,
  maxArgs: 3,
  build(args, position) {
    const text = argumentAt(args, 0);
    const start = argumentAt(args, 1);
    const count = args[2];
    return (context) => {
      const value = toText(text(context));
      // Power Fx counts from 1; Mid("abc", 0) is an invalid argument, not the whole string.
      const from = wholeNumber(start(context), position, 'Mid start', 1) - 1;
      const length = count === undefined ? Infinity : wholeNumber(count(context), position, 'Mid count', 0);
      return value.slice(from, from + length);
    };
  },
};

/**
 * Every function the subset knows, by exact name. Power Fx function names are case-sensitive (`If`, not `if`), so
 * lookups are too.
 */
export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map<string, BuiltinFunction>([
  ['Blank', { minArgs: 0, maxArgs: 0, build: () => () => null }],
  ['If', { minArgs: 2, maxArgs: Infinity, build: buildIf }],
  ['And', { minArgs: 1, maxArgs: Infinity, build: buildAnd }],
  ['Or', { minArgs: 1, maxArgs: Infinity, build: buildOr }],
  ['Not', unary((value, position) => !toBoolean(value, position))],
  ['IsBlank', unary((value) => value === null || value === '')],
  ['Text', unary((value) => (value === null ? null : toText(value)))],
  // Value("") is Blank in Power Fx, not 0 and not an error.
  ['Value', unary((value, position) => (value === null || value === '' ? null : toNumber(value, position)))],
  ['Lower', unary((value) => toText(value).toLowerCase())],
  ['Upper', unary((value) => toText(value).toUpperCase())],
  ['Len', unary((value) => toText(value).length)],
  ['Left', binary((text, count, position) => toText(text).slice(0, wholeNumber(count, position, 'Left count', 0)))],
  [
    'Right',
    binary((text, count, position) => {
      const value = toText(text);
      // slice(-0) would return the whole string, so count from the front instead.
      return value.slice(Math.max(0, value.length - wholeNumber(count, position, 'Right count', 0)));
    }),
  ],
  ['Mid', mid],
  ['StartsWith', binary((text, start) => toText(text).toLowerCase().startsWith(toText(start).toLowerCase()))],
  ['EndsWith', binary((text, end) => toText(text).toLowerCase().endsWith(toText(end).toLowerCase()))],
  // Not a Power Fx function: a convenience for `part in text`, with the text first like StartsWith.
  ['Contains', binary((text, part) => containsIgnoringCase(toText(text), toText(part)))],
]);
