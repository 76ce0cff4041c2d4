import { PowerFxSyntaxError } from './errors.ts';

/** Two-character symbols come first so that `<=` is never read as `<` then `=`. */
const OPERATORS = ['&&', '||', '<>', '<=', '>=', '(', ')', ',', '.', '+', '-', '*', '/', '&', '!', '=', '<', '>'] as const;

export type OperatorSymbol = (typeof OPERATORS)[number];

/**
 * One lexical token. `raw` is the exact source text, used in error messages. Keywords (`And`, `in`, `true`, …) are
 * plain identifiers here: whether a word is a keyword depends on where the parser meets it (`job.in` is a label).
 */
export type Token =
  | { readonly kind: 'number'; readonly value: number; readonly position: number; readonly raw: string }
  | { readonly kind: 'string'; readonly value: string; readonly position: number; readonly raw: string }
  | {
      readonly kind: 'identifier';
      readonly name: string;
      /** Written as `'…'`: never a keyword, function name or boolean literal. */
      readonly quoted: boolean;
      readonly position: number;
      readonly raw: string;
    }
  | { readonly kind: 'operator'; readonly symbol: OperatorSymbol; readonly position: number; readonly raw: string };

// Sticky (`y`) patterns match exactly at `lastIndex`, so the lexer never copies the rest of the source.
const WHITESPACE = /\s+/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
// Power Fx identifiers may use any Unicode letters, not only ASCII.
const IDENTIFIER = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}\p{Cf}]*/uy;

function matchAt(pattern: RegExp, source: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(source)?.[0];
}

/**
 * Reads a delimited literal: `"…"` for strings, `'…'` for names. Power Fx escapes the delimiter by doubling it.
 * Returns the unescaped text and the offset just past the closing delimiter.
 */
function readDelimited(source: string, start: number, what: string): { text: string; end: number } {
  const delimiter = source.charAt(start);
  let text = '';
  let position = start + 1;
  for (;;) {
    const close = source.indexOf(delimiter, position);
    if (close === -1) {
      throw new PowerFxSyntaxError(`Unterminated ${what}`, start, `a closing ${delimiter}`);
    }
    text += source.slice(position, close);
    if (source.charAt(close + 1) !== delimiter) return { text, end: close + 1 };
    text += delimiter;
    position = close + 2;
  }
}

function readToken(source: string, position: number): Token {
  const char = source.charAt(position);
  if (char === '"') {
    const { text, end } = readDelimited(source, position, 'string literal');
    return { kind: 'string', value: text, position, raw: source.slice(position, end) };
  }
  if (char === "'") {
    const { text, end } = readDelimited(source, position, 'quoted name');
    if (text === '') throw new PowerFxSyntaxError('Empty quoted name', position, 'a name between the quotes');
    return { kind: 'identifier', name: text, quoted: true, position, raw: source.slice(position, end) };
  }
  const number = matchAt(NUMBER, source, position);
  if (number !== undefined) {
    const end = position + number.length;
    // `12abc` would otherwise lex as a number then a name, and the error would point past the real mistake.
    if (matchAt(IDENTIFIER, source, end) !== undefined) {
      throw new PowerFxSyntaxError(`Invalid number '${number}${source.charAt(end)}…'`, position);
    }
    const value = Number(number);
    if (!Number.isFinite(value)) throw new PowerFxSyntaxError(`Number ${number} is too large`, position);
    return { kind: 'number', value, position, raw: number };
  }
  const identifier = matchAt(IDENTIFIER, source, position);
  if (identifier !== undefined) {
    return { kind: 'identifier', name: identifier, quoted: false, position, raw: identifier };
  }
  const symbol = OPERATORS.find((candidate) => source.startsWith(candidate, position));
  if (symbol !== undefined) return { kind: 'operator', symbol, position, raw: symbol };
  // Code points, not code units, so an emoji is reported whole rather than as half a surrogate pair.
  const unexpected = String.fromCodePoint(source.codePointAt(position) ?? 0);
  throw new PowerFxSyntaxError(`Unexpected character '${unexpected}'`, position);
}

/**
 * Splits source text into tokens.
 *
 * @throws PowerFxSyntaxError for unterminated strings or quoted names, malformed numbers and unknown characters.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  for (;;) {
    position += matchAt(WHITESPACE, source, position)?.length ?? 0;
    if (position >= source.length) return tokens;
    const token = readToken(source, position);
    tokens.push(token);
    position += token.raw.length;
  }
}
