import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePowerFx,
  PowerFxSyntaxError,
  type PowerFxContext,
  type PowerFxResult,
  type PowerFxValue,
} from '../../src/rules/powerfx/index.ts';
import type { Node } from '../../src/rules/powerfx/ast.ts';
import { parse } from '../../src/rules/powerfx/parser.ts';

// ---------------------------------------------------------------------------------------------------------------
// Generated expression trees, a printer to source text, and a reference evaluator that walks the tree directly.
// ---------------------------------------------------------------------------------------------------------------

type Entity = 'job' | 'worker';
type BinaryOperator = '+' | '-' | '*' | '/' | '&' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'in' | 'exactin';
type LogicOperator = 'And' | 'Or';

type Expr =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'blank' }
  | { readonly kind: 'label'; readonly entity: Entity; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: Expr }
  | { readonly kind: 'not'; readonly spelling: 'Not()' | 'Not ' | '!'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'logic'; readonly operator: LogicOperator; readonly spelling: 'word' | 'symbol'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'logicCall'; readonly operator: LogicOperator; readonly args: readonly Expr[] }
  | { readonly kind: 'if'; readonly branches: readonly (readonly [Expr, Expr])[]; readonly otherwise: Expr | undefined };

const LABEL_NAMES = ['Tier', 'Lang', 'Escalated', 'Label With Spaces', "It's", 'in'] as const;

// Text built only from these characters never contains ',' or '%', so the reference's number reading stays tiny.
const TEXT_UNIT = fc.constantFrom('a', 'B', 'e', '0', '1', '7', '.', '-', '+', ' ', '"', "'");
const text = fc.oneof(
  fc.constantFrom('', '0', '12', '-3.5', '1e3', '.5', ' 7 ', 'true', 'FALSE', 'abc', 'say "hi"', 'e'),
  fc.string({ unit: TEXT_UNIT, maxLength: 6 }),
);
const number = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(0.1, 0.2, 1e-7, 1e300, 1e21),
);
const labelValue = fc.oneof(text, number, fc.boolean());
const labels = fc.dictionary(fc.constantFrom(...LABEL_NAMES), labelValue);
const context: fc.Arbitrary<PowerFxContext> = fc.record({ job: labels, worker: labels }, { requiredKeys: [] });

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  number.map((value) => ({ kind: 'number', value }) as const),
  text.map((value) => ({ kind: 'string', value }) as const),
  fc.boolean().map((value) => ({ kind: 'boolean', value }) as const),
  fc.constant({ kind: 'blank' } as const),
  fc.record({ kind: fc.constant('label' as const), entity: fc.constantFrom<Entity>('job', 'worker'), name: fc.constantFrom(...LABEL_NAMES) }),
);

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    leaf,
    fc.record({ kind: fc.constant('negate' as const), operand: tie('expr') }),
    fc.record({ kind: fc.constant('not' as const), spelling: fc.constantFrom('Not()' as const, 'Not ' as const, '!' as const), operand: tie('expr') }),
    fc.record({
      kind: fc.constant('binary' as const),
      operator: fc.constantFrom<BinaryOperator>('+', '-', '*', '/', '&', '=', '<>', '<', '<=', '>', '>=', 'in', 'exactin'),
      left: tie('expr'),
      right: tie('expr'),
    }),
    fc.record({
      kind: fc.constant('logic' as const),
      operator: fc.constantFrom<LogicOperator>('And', 'Or'),
      spelling: fc.constantFrom('word' as const, 'symbol' as const),
      left: tie('expr'),
      right: tie('expr'),
    }),
    fc.record({
      kind: fc.constant('logicCall' as const),
      operator: fc.constantFrom<LogicOperator>('And', 'Or'),
      args: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('if' as const),
      branches: fc.array(fc.tuple(tie('expr'), tie('expr')), { minLength: 1, maxLength: 2 }),
      otherwise: fc.option(tie('expr'), { nil: undefined }),
    }),
  ),
}));

// --- printer ---------------------------------------------------------------------------------------------------

// Power Fx binding strengths, loosest first. Binary operators are left-associative.
const PRECEDENCE: Readonly<Record<BinaryOperator | LogicOperator, number>> = {
  Or: 1,
  And: 2,
  in: 3,
  exactin: 3,
  '=': 4,
  '<>': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '&': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
};
const PREFIX = 8;
const ATOM = 9;

type Style = 'minimal' | 'parenthesised';

/** Prints `node` where an operand of at least `context` strength is needed, adding parentheses if it is weaker. */
function printIn(node: Expr, context: number, style: Style): string {
  const [source, strength] = print(node, style);
  return strength < context || (style === 'parenthesised' && strength < ATOM) ? `(${source})` : source;
}

function printName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `'${name.replaceAll("'", "''")}'`;
}

function print(node: Expr, style: Style): [string, number] {
  switch (node.kind) {
    case 'number':
      // Literals are never negative in Power Fx source; a negative number prints as a negation.
      return node.value < 0 || Object.is(node.value, -0) ? [`-${String(-node.value)}`, PREFIX] : [String(node.value), ATOM];
    case 'string':
      return [`"${node.value.replaceAll('"', '""')}"`, ATOM];
    case 'boolean':
      return [String(node.value), ATOM];
    case 'blank':
      return ['Blank()', ATOM];
    case 'label':
      return [`${node.entity}.${printName(node.name)}`, ATOM];
    case 'negate':
      return [`-${printIn(node.operand, PREFIX, style)}`, PREFIX];
    case 'not':
      return node.spelling === 'Not()'
        ? [`Not(${printIn(node.operand, 0, style)})`, ATOM]
        : [`${node.spelling}${printIn(node.operand, PREFIX, style)}`, PREFIX];
    case 'binary':
    case 'logic': {
      const strength = PRECEDENCE[node.operator];
      const symbol =
        node.kind === 'logic' && node.spelling === 'symbol' ? (node.operator === 'And' ? '&&' : '||') : node.operator;
      return [`${printIn(node.left, strength, style)} ${symbol} ${printIn(node.right, strength + 1, style)}`, strength];
    }
    case 'logicCall':
      return [`${node.operator}(${node.args.map((arg) => printIn(arg, 0, style)).join(', ')})`, ATOM];
    case 'if': {
      const parts = node.branches.flatMap(([condition, result]) => [condition, result]);
      if (node.otherwise !== undefined) parts.push(node.otherwise);
      return [`If(${parts.map((part) => printIn(part, 0, style)).join(', ')})`, ATOM];
    }
  }
}

// --- reference evaluator ---------------------------------------------------------------------------------------

/** Thrown by the reference for anything Power Fx reports as a runtime error. */
class ReferenceError_ extends Error {}

function fail(): never {
  throw new ReferenceError_();
}

function asNumber(value: PowerFxValue): number {
  if (value === null || value === '') return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (!/^\s*[+-]?\s*(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) fail();
  const parsed = Number(value.replaceAll(' ', ''));
  return Number.isFinite(parsed) ? parsed : fail();
}

function asText(value: PowerFxValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(Number(value.toPrecision(15)));
  return String(value);
}

function asBoolean(value: PowerFxValue): boolean {
  if (value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  return fail();
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : fail();
}

function reference(node: Expr, context: PowerFxContext): PowerFxValue {
  const evaluate = (child: Expr): PowerFxValue => reference(child, context);
  switch (node.kind) {
    case 'number':
    case 'string':
    case 'boolean':
      return node.value;
    case 'blank':
      return null;
    case 'label': {
      const set = context[node.entity];
      return set !== undefined && Object.hasOwn(set, node.name) ? (set[node.name] ?? null) : null;
    }
    case 'negate':
      return finite(-asNumber(evaluate(node.operand)));
    case 'not':
      return !asBoolean(evaluate(node.operand));
    case 'logic':
    case 'logicCall': {
      const args = node.kind === 'logic' ? [node.left, node.right] : node.args;
      for (const arg of args) {
        const truth = asBoolean(evaluate(arg));
        if (node.operator === 'And' && !truth) return false;
        if (node.operator === 'Or' && truth) return true;
      }
      return node.operator === 'And';
    }
    case 'if': {
      for (const [condition, result] of node.branches) {
        if (asBoolean(evaluate(condition))) return evaluate(result);
      }
      return node.otherwise === undefined ? null : evaluate(node.otherwise);
    }
    case 'binary': {
      const left = evaluate(node.left);
      const right = evaluate(node.right);
      switch (node.operator) {
        case '+':
          return finite(asNumber(left) + asNumber(right));
        case '-':
          return finite(asNumber(left) - asNumber(right));
        case '*':
          return finite(asNumber(left) * asNumber(right));
        case '/': {
          const dividend = asNumber(left);
          const divisor = asNumber(right);
          return divisor === 0 ? fail() : finite(dividend / divisor);
        }
        case '&':
          return asText(left) + asText(right);
        case '=':
          return left === right;
        case '<>':
          return left !== right;
        case '<':
          return asNumber(left) < asNumber(right);
        case '<=':
          return asNumber(left) <= asNumber(right);
        case '>':
          return asNumber(left) > asNumber(right);
        case '>=':
          return asNumber(left) >= asNumber(right);
        case 'in':
          return asText(right).toLowerCase().includes(asText(left).toLowerCase());
        case 'exactin':
          return asText(right).includes(asText(left));
      }
    }
  }
}

function referenceResult(node: Expr, context: PowerFxContext): { ok: true; value: PowerFxValue } | { ok: false } {
  try {
    return { ok: true, value: reference(node, context) };
  } catch (error) {
    if (error instanceof ReferenceError_) return { ok: false };
    throw error;
  }
}

/** Same outcome: both failed, or both produced the same value (`===`, so 0 and -0 agree). */
function sameOutcome(actual: PowerFxResult, expected: { ok: true; value: PowerFxValue } | { ok: false }): boolean {
  if (!actual.ok || !expected.ok) return actual.ok === expected.ok;
  return actual.value === expected.value;
}

function isPowerFxValue(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value);
}

/**
 * The parsed tree without positions, so two spellings of one expression compare equal. `Not (x)` parses as a call
 * and `Not x` as the prefix operator; both mean the same, so the call is folded into the operator.
 */
function shape(node: Node): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'label':
      return `${node.entity}.${node.name}`;
    case 'unary':
      return [node.operator, shape(node.operand)];
    case 'binary':
      return [node.operator, shape(node.left), shape(node.right)];
    case 'call':
      return node.name === 'Not' && node.args.length === 1 && node.args[0] !== undefined
        ? ['Not', shape(node.args[0])]
        : [`${node.name}()`, ...node.args.map(shape)];
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('PowerFx subset properties', () => {
  it('parses the minimal printing into the same tree as the fully parenthesised one (precedence and associativity)', () => {
    fc.assert(
      fc.property(expr, (tree) => {
        const [minimal] = print(tree, 'minimal');
        const [parenthesised] = print(tree, 'parenthesised');
        expect(shape(parse(minimal)), `${minimal}  vs  ${parenthesised}`).toEqual(shape(parse(parenthesised)));
      }),
      { numRuns: 2000 },
    );
  });

  it('evaluates every printed expression as the reference evaluator does, with minimal or full parentheses', () => {
    fc.assert(
      fc.property(expr, context, fc.constantFrom<Style>('minimal', 'parenthesised'), (tree, labelsNow, style) => {
        const [source] = print(tree, style);
        const actual = compilePowerFx(source).evaluate(labelsNow);
        const expected = referenceResult(tree, labelsNow);
        if (!sameOutcome(actual, expected)) {
          throw new Error(`${source}\n  got      ${JSON.stringify(actual)}\n  expected ${JSON.stringify(expected)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  const tokenSoup = fc
    .array(
      fc.constantFrom(
        '(', ')', ',', '"', "'", '.', ' ', 'job', 'worker', 'Tier', "'A b'", 'If', 'And', 'Or', 'Not', 'in', 'exactin',
        'true', 'Blank()', 'Value', 'Mid', 'Len', 'Left', '"x"', '1', '2.5', '1e3', '0', '&', '&&', '||', '!', '-',
        '+', '*', '/', '=', '<>', '<', '>=', '%', '^',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(''));
  const anySource = fc.oneof(tokenSoup, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

  it('either compiles arbitrary text or throws PowerFxSyntaxError, and compiled text never throws from evaluate', () => {
    fc.assert(
      fc.property(anySource, context, (source, labelsNow) => {
        let compiled;
        try {
          compiled = compilePowerFx(source);
        } catch (error) {
          expect(error).toBeInstanceOf(PowerFxSyntaxError);
          const { position } = error as PowerFxSyntaxError;
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(source.length);
          return;
        }
        const result = compiled.evaluate(labelsNow);
        if (result.ok) expect(isPowerFxValue(result.value)).toBe(true);
        else expect(result.message).toMatch(/ at position \d+$/);
      }),
      { numRuns: 3000 },
    );
  });
});
