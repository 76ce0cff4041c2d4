/**
 * Turns a parsed tree into nested closures once, at compile time, so each evaluation is plain function calls with no
 * tree walking or dispatch on node kinds.
 */
import type { BinaryOperator, Node, UnaryOperator } from './ast.ts';
import { checkedNumber, toBoolean, toNumber, toText } from './coerce.ts';
import { PowerFxEvaluationError } from './errors.ts';
import { buildAnd, buildOr, containsIgnoringCase, type Evaluator } from './functions.ts';

type ArithmeticOperator = '+' | '-' | '*' | '/';
type OrderingOperator = '<' | '<=' | '>' | '>=';

const ARITHMETIC: Readonly<Record<ArithmeticOperator, (left: number, right: number, position: number) => number>> = {
  '+': (left, right) => left + right,
  '-': (left, right) => left - right,
  '*': (left, right) => left * right,
  '/': (left, right, position) => {
    // Power Fx raises Div0 for any zero divisor, including Blank (which counts as 0) and 0/0.
    if (right === 0) throw new PowerFxEvaluationError('Division by zero', position);
    return left / right;
  },
};

const ORDERING: Readonly<Record<OrderingOperator, (left: number, right: number) => boolean>> = {
  '<': (left, right) => left < right,
  '<=': (left, right) => left <= right,
  '>': (left, right) => left > right,
  '>=': (left, right) => left >= right,
};

function readLabel(entity: 'job' | 'worker', name: string): Evaluator {
  return (context) => {
    const labels = context[entity];
    // `null` is checked because JavaScript callers can pass it. Own properties only: `job.constructor` must be a
    // missing label, not Object's constructor.
    if (labels === undefined || labels === null || !Object.hasOwn(labels, name)) return null;
    const value: unknown = labels[name];
    // Contexts come from stored JSON; a value that is not a label value reads as Blank instead of leaking in.
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  };
}

function compileUnary(operator: UnaryOperator, operand: Evaluator, position: number): Evaluator {
  if (operator === 'Not') return (context) => !toBoolean(operand(context), position);
  return (context) => checkedNumber(-toNumber(operand(context), position), position);
}

function compileBinary(operator: BinaryOperator, left: Evaluator, right: Evaluator, position: number): Evaluator {
  switch (operator) {
    case '+':
    case '-':
    case '*':
    case '/': {
      const apply = ARITHMETIC[operator];
      return (context) =>
        checkedNumber(apply(toNumber(left(context), position), toNumber(right(context), position), position), position);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      // Power Fx orders numbers only; text is converted as for arithmetic, so "abc" < 1 is a runtime error.
      const compare = ORDERING[operator];
      return (context) => compare(toNumber(left(context), position), toNumber(right(context), position));
    }
    // Labels are dynamic, so values of different types compare unequal instead of failing to compile as they would
    // in Power Fx. Blank equals only Blank (Blank() = 0 and Blank() = "" are false there too); text is case-sensitive.
    case '=':
      return (context) => left(context) === right(context);
    case '<>':
      return (context) => left(context) !== right(context);
    case '&':
      return (context) => toText(left(context)) + toText(right(context));
    case 'in':
      return (context) => {
        const part = toText(left(context));
        return containsIgnoringCase(toText(right(context)), part);
      };
    case 'exactin':
      return (context) => {
        const part = toText(left(context));
        return toText(right(context)).includes(part);
      };
    case 'And':
      return buildAnd([left, right], position);
    case 'Or':
      return buildOr([left, right], position);
  }
}

/** Compiles a parsed tree into one closure. Recursion is bounded by the parser's depth limit. */
export function compileNode(node: Node): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const { value } = node;
      return () => value;
    }
    case 'label':
      return readLabel(node.entity, node.name);
    case 'unary':
      return compileUnary(node.operator, compileNode(node.operand), node.position);
    case 'binary':
      return compileBinary(node.operator, compileNode(node.left), compileNode(node.right), node.position);
    case 'call':
      return node.builtin.build(node.args.map(compileNode), node.position);
  }
}
