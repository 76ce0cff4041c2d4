/**
 * Recursive-descent parser with precedence climbing. It resolves every name while parsing (labels, literals,
 * functions and their arity), so anything it returns can be evaluated without further checks.
 */
import type { BinaryOperator, Node, UnaryOperator } from './ast.ts';
import { PowerFxSyntaxError } from './errors.ts';
import { BUILTIN_FUNCTIONS, type BuiltinFunction } from './functions.ts';
import { tokenize, type OperatorSymbol, type Token } from './lexer.ts';

/** Longest source accepted. Real rules are a line or two; the cap bounds the work hostile input can cause. */
const MAX_SOURCE_LENGTH = 10_000;

/** Deepest tree, and deepest parser recursion, accepted: far beyond real rules, far below the JavaScript stack. */
const MAX_DEPTH = 200;

/** End of input, as a token so that "unexpected …" errors treat it like any other. */
type EndToken = { readonly kind: 'end'; readonly position: number; readonly raw: '' };
type AnyToken = Token | EndToken;
type IdentifierToken = Extract<Token, { kind: 'identifier' }>;

interface BinaryOperatorInfo {
  readonly operator: BinaryOperator;
  readonly precedence: number;
}

// Binding strength, loosest first, as in Power Fx's own parser (`Precedence` in Microsoft.PowerFx.Syntax):
// comparisons bind tighter than `in`/`exactin`, which bind tighter than And, then Or.
const PRECEDENCE = { Or: 1, And: 2, In: 3, Compare: 4, Concat: 5, Add: 6, Mul: 7 } as const;
const LOOSEST = PRECEDENCE.Or;

function infix(operator: BinaryOperator, precedence: number): BinaryOperatorInfo {
  return { operator, precedence };
}

const SYMBOL_OPERATORS: ReadonlyMap<OperatorSymbol, BinaryOperatorInfo> = new Map([
  ['||', infix('Or', PRECEDENCE.Or)],
  ['&&', infix('And', PRECEDENCE.And)],
  ['=', infix('=', PRECEDENCE.Compare)],
  ['<>', infix('<>', PRECEDENCE.Compare)],
  ['<', infix('<', PRECEDENCE.Compare)],
  ['<=', infix('<=', PRECEDENCE.Compare)],
  ['>', infix('>', PRECEDENCE.Compare)],
  ['>=', infix('>=', PRECEDENCE.Compare)],
  ['&', infix('&', PRECEDENCE.Concat)],
  ['+', infix('+', PRECEDENCE.Add)],
  ['-', infix('-', PRECEDENCE.Add)],
  ['*', infix('*', PRECEDENCE.Mul)],
  ['/', infix('/', PRECEDENCE.Mul)],
]);

// Keyword operators are case-sensitive in Power Fx (`And`, `in`), like its function names.
const WORD_OPERATORS: ReadonlyMap<string, BinaryOperatorInfo> = new Map([
  ['Or', infix('Or', PRECEDENCE.Or)],
  ['And', infix('And', PRECEDENCE.And)],
  ['in', infix('in', PRECEDENCE.In)],
  ['exactin', infix('exactin', PRECEDENCE.In)],
]);

function isSymbol(token: AnyToken, symbol: OperatorSymbol): boolean {
  return token.kind === 'operator' && token.symbol === symbol;
}

function binaryOperatorOf(token: AnyToken): BinaryOperatorInfo | undefined {
  if (token.kind === 'operator') return SYMBOL_OPERATORS.get(token.symbol);
  if (token.kind === 'identifier' && !token.quoted) return WORD_OPERATORS.get(token.name);
  return undefined;
}

/** `Not(…)` is the function; `Not x` without parentheses is the prefix operator. */
function unaryOperatorOf(token: AnyToken, next: AnyToken): UnaryOperator | undefined {
  if (isSymbol(token, '-')) return '-';
  if (isSymbol(token, '!')) return 'Not';
  if (token.kind === 'identifier' && !token.quoted && token.name === 'Not' && !isSymbol(next, '(')) return 'Not';
  return undefined;
}

function unexpected(token: AnyToken, expected: string): PowerFxSyntaxError {
  if (token.kind === 'end') return new PowerFxSyntaxError('Unexpected end of input', token.position, expected);
  const shown = token.raw.length > 20 ? `${token.raw.slice(0, 20)}…` : token.raw;
  return new PowerFxSyntaxError(`Unexpected token '${shown}'`, token.position, expected);
}

function unknownFunction(token: IdentifierToken): PowerFxSyntaxError {
  const lower = token.name.toLowerCase();
  const names = [...BUILTIN_FUNCTIONS.keys()];
  const sameButCase = names.find((name) => name.toLowerCase() === lower);
  const expected =
    sameButCase === undefined
      ? `one of ${names.join(', ')}`
      : `'${sameButCase}' (function names are case-sensitive)`;
  return new PowerFxSyntaxError(`Unknown function '${token.name}'`, token.position, expected);
}

function arityProblem(token: IdentifierToken, builtin: BuiltinFunction, given: number): PowerFxSyntaxError | undefined {
  const { minArgs, maxArgs } = builtin;
  if (given >= minArgs && given <= maxArgs) return undefined;
  const wanted =
    minArgs === maxArgs ? `exactly ${minArgs}` : maxArgs === Infinity ? `at least ${minArgs}` : `${minArgs} to ${maxArgs}`;
  const problem = `${token.name} given ${given} argument${given === 1 ? '' : 's'}`;
  return new PowerFxSyntaxError(problem, token.position, wanted);
}

class Parser {
  private readonly tokens: readonly Token[];
  private readonly end: EndToken;
  private index = 0;
  private nesting = 0;

  constructor(source: string) {
    this.tokens = tokenize(source);
    this.end = { kind: 'end', position: source.length, raw: '' };
  }

  parseFormula(): Node {
    // Power Platform editors show formulas as `=…`; the sign is not part of the expression.
    if (isSymbol(this.peek(), '=')) this.index += 1;
    const first = this.peek();
    if (first.kind === 'end') throw new PowerFxSyntaxError('Empty expression', first.position, 'a formula');
    const node = this.parseExpression(LOOSEST);
    const next = this.peek();
    if (next.kind !== 'end') throw unexpected(next, 'an operator or the end of the expression');
    return node;
  }

  private peek(offset = 0): AnyToken {
    return this.tokens[this.index + offset] ?? this.end;
  }

  private advance(): AnyToken {
    const token = this.peek();
    this.index += 1;
    return token;
  }

  /**
   * Guards recursion at each nesting construct (parentheses, calls, prefix operators). Between two of them the
   * parser recurses at most once per precedence level, so the stack stays bounded. `leave` is skipped when a syntax
   * error unwinds, which is fine as the parse is abandoned.
   */
  private enter(position: number): void {
    this.nesting += 1;
    if (this.nesting > MAX_DEPTH) this.tooDeep(position);
  }

  private leave(): void {
    this.nesting -= 1;
  }

  private tooDeep(position: number): never {
    throw new PowerFxSyntaxError('Expression nests too deeply', position, `at most ${MAX_DEPTH} levels of nesting`);
  }

  /** Long operator chains build deep trees without deep recursion, so tree height is checked on its own. */
  private checked<T extends Node>(node: T): T {
    if (node.depth > MAX_DEPTH) this.tooDeep(node.position);
    return node;
  }

  private parseExpression(minPrecedence: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      const info = binaryOperatorOf(token);
      if (info === undefined || info.precedence < minPrecedence) break;
      this.index += 1;
      // Every Power Fx binary operator associates to the left, so the right operand binds one level tighter.
      const right = this.parseExpression(info.precedence + 1);
      const depth = 1 + Math.max(left.depth, right.depth);
      left = this.checked({ kind: 'binary', operator: info.operator, left, right, position: token.position, depth });
    }
    return left;
  }

  private parseUnary(): Node {
    const token = this.peek();
    const operator = unaryOperatorOf(token, this.peek(1));
    if (operator === undefined) return this.parsePrimary();
    this.index += 1;
    this.enter(token.position);
    // As in Power Fx, prefix operators bind tighter than every binary one: `Not a = b` is `(Not a) = b`.
    const operand = this.parseUnary();
    this.leave();
    return this.checked({ kind: 'unary', operator, operand, position: token.position, depth: operand.depth + 1 });
  }

  private parsePrimary(): Node {
    const token = this.advance();
    switch (token.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value, position: token.position, depth: 1 };
      case 'identifier':
        return this.parseName(token);
      case 'operator':
        if (token.symbol === '(') return this.parseParenthesized(token.position);
        throw unexpected(token, 'an operand');
      case 'end':
        throw unexpected(token, 'an operand');
    }
  }

  private parseParenthesized(openPosition: number): Node {
    this.enter(openPosition);
    const inner = this.parseExpression(LOOSEST);
    this.leave();
    const close = this.advance();
    if (!isSymbol(close, ')')) throw unexpected(close, `')' to close the '(' at position ${openPosition}`);
    return inner;
  }

  private parseName(token: IdentifierToken): Node {
    const { name, position } = token;
    if (!token.quoted) {
      if (isSymbol(this.peek(), '(')) return this.parseCall(token);
      // Power Fx spells these `true`/`false`; other casings are accepted because nothing else could be meant.
      const lower = name.toLowerCase();
      if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true', position, depth: 1 };
      if (WORD_OPERATORS.has(name)) throw unexpected(token, 'an operand');
      if (BUILTIN_FUNCTIONS.has(name)) throw unexpected(this.peek(), `'(' after the function name ${name}`);
    }
    if (name === 'job' || name === 'worker') return this.parseLabel(name, position);
    throw new PowerFxSyntaxError(
      `Unknown name '${name}'`,
      position,
      'job.<Label>, worker.<Label>, true, false, a number, a string or a function call',
    );
  }

  private parseLabel(entity: 'job' | 'worker', position: number): Node {
    const dot = this.advance();
    if (!isSymbol(dot, '.')) throw unexpected(dot, `'.' and a label name after '${entity}'`);
    const label = this.advance();
    if (label.kind !== 'identifier') {
      throw unexpected(label, `a label name after '${entity}.' (quote names with spaces: ${entity}.'My Label')`);
    }
    return { kind: 'label', entity, name: label.name, position, depth: 1 };
  }

  private parseCall(token: IdentifierToken): Node {
    const builtin = BUILTIN_FUNCTIONS.get(token.name);
    if (builtin === undefined) throw unknownFunction(token);
    const open = this.advance();
    const args: Node[] = [];
    this.enter(open.position);
    if (isSymbol(this.peek(), ')')) {
      this.index += 1;
    } else {
      for (;;) {
        args.push(this.parseExpression(LOOSEST));
        const separator = this.advance();
        if (isSymbol(separator, ')')) break;
        if (!isSymbol(separator, ',')) {
          throw unexpected(separator, `',' or ')' to close the '(' at position ${open.position}`);
        }
      }
    }
    this.leave();
    const problem = arityProblem(token, builtin, args.length);
    if (problem !== undefined) throw problem;
    const depth = 1 + args.reduce((deepest, arg) => Math.max(deepest, arg.depth), 0);
    return this.checked({ kind: 'call', name: token.name, builtin, args, position: token.position, depth });
  }
}

/**
 * Parses one expression into a tree whose names and calls are all resolved.
 *
 * @throws PowerFxSyntaxError for any malformed input, including unknown names or functions, wrong argument counts,
 *   source longer than {@link MAX_SOURCE_LENGTH} and nesting deeper than {@link MAX_DEPTH}.
 */
export function parse(source: string): Node {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new PowerFxSyntaxError(
      `Expression is too long (${source.length} characters)`,
      MAX_SOURCE_LENGTH,
      `at most ${MAX_SOURCE_LENGTH} characters`,
    );
  }
  return new Parser(source).parseFormula();
}
