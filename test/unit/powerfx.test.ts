import { describe, expect, it } from 'vitest';
import {
  compilePowerFx,
  PowerFxSyntaxError,
  type PowerFxContext,
  type PowerFxValue,
} from '../../src/rules/powerfx/index.ts';

/** Evaluates and insists on success, so a runtime error shows its message instead of a diff of result objects. */
function valueOf(source: string, context: PowerFxContext = {}): PowerFxValue {
  const result = compilePowerFx(source).evaluate(context);
  if (!result.ok) throw new Error(`${source} failed: ${result.message}`);
  return result.value;
}

/** Evaluates and insists on a runtime error, returning its message. */
function runtimeErrorOf(source: string, context: PowerFxContext = {}): string {
  const result = compilePowerFx(source).evaluate(context);
  if (result.ok) throw new Error(`${source} evaluated to ${JSON.stringify(result.value)}`);
  return result.message;
}

function syntaxErrorOf(source: string): PowerFxSyntaxError {
  try {
    compilePowerFx(source);
  } catch (error) {
    if (error instanceof PowerFxSyntaxError) return error;
    throw error;
  }
  throw new Error(`${source} compiled`);
}

describe('the examples rules are written with', () => {
  it.each<[string, PowerFxContext, PowerFxValue]>([
    ['If(job.Escalated = true, 10, 1)', { job: { Escalated: true } }, 10],
    ['If(job.Escalated = true, 10, 1)', { job: { Escalated: false } }, 1],
    ['If(job.Escalated = true, 10, 1)', { job: {} }, 1],
    ['If(worker.HandleEscalation = true, 100, 1)', { worker: { HandleEscalation: true } }, 100],
    ['If(worker.HandleEscalation = true, 100, 1)', {}, 1],
    ['If(job.Product = "O365", true, false)', { job: { Product: 'O365' } }, true],
    ['If(job.Product = "O365", true, false)', { job: { Product: 'o365' } }, false],
    ['job.Lang = "en"', { job: { Lang: 'en' } }, true],
    ['job.Lang = "en"', { job: { Lang: 'fr' } }, false],
    ['job.Region & "-" & job.Language', { job: { Region: 'NA', Language: 'en' } }, 'NA-en'],
    ['job.Region & "-" & job.Language', { job: { Region: 'NA' } }, 'NA-'],
    ['If(IsBlank(job.Tier), 1, Value(job.Tier) * 2)', { job: {} }, 1],
    ['If(IsBlank(job.Tier), 1, Value(job.Tier) * 2)', { job: { Tier: '3' } }, 6],
    ['If(IsBlank(job.Tier), 1, Value(job.Tier) * 2)', { job: { Tier: 4 } }, 8],
  ])('%s with %j is %j', (source, context, expected) => {
    expect(valueOf(source, context)).toBe(expected);
  });

  it('compiles once and evaluates against many contexts', () => {
    const rule = compilePowerFx('If(job.Escalated = true, 10, 1)');
    expect(rule.source).toBe('If(job.Escalated = true, 10, 1)');
    expect(rule.evaluate({ job: { Escalated: true } })).toEqual({ ok: true, value: 10 });
    expect(rule.evaluate({ job: { Escalated: false } })).toEqual({ ok: true, value: 1 });
    expect(rule.evaluate({ job: { Escalated: true } })).toEqual({ ok: true, value: 10 });
  });
});

describe('literals', () => {
  it.each<[string, PowerFxValue]>([
    ['10', 10],
    ['2.5', 2.5],
    ['1e3', 1000],
    ['1E+3', 1000],
    ['25e-1', 2.5],
    ['.5', 0.5],
    ['7.', 7],
    ['"hello"', 'hello'],
    ['""', ''],
    ['"say ""hi"""', 'say "hi"'],
    ['""""', '"'],
    ['"line\nbreak"', 'line\nbreak'],
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['False', false],
    ['Blank()', null],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('ignores whitespace, including newlines and tabs, between tokens', () => {
    expect(valueOf(' \t1\n+\r\n 2 ')).toBe(3);
  });

  it('accepts and ignores one leading = as Power Platform editors write formulas', () => {
    expect(valueOf('=1 + 1')).toBe(2);
    expect(valueOf('  = job.A = 1', { job: { A: 1 } })).toBe(true);
  });
});

describe('labels', () => {
  const context: PowerFxContext = {
    job: { Tier: 2, Lang: 'en', Escalated: true, 'Label With Spaces': 'spaced', "It's": 'quoted', in: 'keyword' },
    worker: { Tier: 5, Skill: 'billing' },
  };

  it.each<[string, PowerFxValue]>([
    ['job.Tier', 2],
    ['worker.Tier', 5],
    ['job.Lang', 'en'],
    ['job.Escalated', true],
    ["job.'Label With Spaces'", 'spaced'],
    ["job.'It''s'", 'quoted'],
    ["job.'Tier'", 2],
    ['job.in', 'keyword'],
    ["'job'.Tier", 2],
    ['worker.Skill', 'billing'],
  ])('%s reads %j', (source, expected) => {
    expect(valueOf(source, context)).toBe(expected);
  });

  it('reads a missing label as Blank, never as an error', () => {
    expect(valueOf('job.Missing', context)).toBeNull();
    expect(valueOf('worker.Lang', context)).toBeNull();
    expect(valueOf('job.Tier', {})).toBeNull();
    expect(valueOf('worker.Tier', { job: { Tier: 1 } })).toBeNull();
  });

  it('matches label names case-sensitively, as label keys are', () => {
    expect(valueOf('job.tier', context)).toBeNull();
  });

  it('reads inherited object properties as missing labels', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(valueOf(`job.${name}`, context)).toBeNull();
    }
  });

  it('reads values that are not label values (from loosely typed callers) as Blank', () => {
    const loose = { job: { Nothing: null, Nested: { a: 1 } } } as unknown as PowerFxContext;
    expect(valueOf('IsBlank(job.Nothing) And IsBlank(job.Nested)', loose)).toBe(true);
  });
});

describe('arithmetic', () => {
  it.each<[string, PowerFxValue]>([
    ['1 + 2', 3],
    ['5 - 8', -3],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['-3', -3],
    ['--3', 3],
    ['2 * -3', -6],
    ['10 - 4 - 3', 3],
    ['8 / 4 / 2', 1],
    ['Blank() + 5', 5],
    ['5 - Blank()', 5],
    ['Blank() * 3', 0],
    ['-Blank()', 0],
    ['true + true', 2],
    ['true - false', 1],
    ['"2" + 3', 5],
    ['"2" * "3"', 6],
    ['" 1.5 " + 1', 2.5],
    ['"" + 1', 1],
    ['"1,000" + 1', 1001],
    ['"50%" * 2', 1],
    ['job.Tier + 1', 1],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('has no negative zero', () => {
    expect(Object.is(valueOf('-0'), 0)).toBe(true);
    expect(Object.is(valueOf('-1 * 0'), 0)).toBe(true);
    expect(valueOf('Text(-1 * 0)')).toBe('0');
  });

  it('reports division by zero, including by Blank and 0/0, as a runtime error', () => {
    expect(runtimeErrorOf('1 / 0')).toBe('Division by zero at position 2');
    expect(runtimeErrorOf('5 / Blank()')).toMatch(/Division by zero/);
    expect(runtimeErrorOf('0 / 0')).toMatch(/Division by zero/);
    expect(runtimeErrorOf('1 / job.Missing')).toMatch(/Division by zero/);
  });

  it('reports text that is not a number as a runtime error naming the text', () => {
    expect(runtimeErrorOf('"abc" + 1')).toBe('Cannot convert "abc" to a number at position 6');
    expect(runtimeErrorOf('-job.Lang', { job: { Lang: 'en' } })).toBe('Cannot convert "en" to a number at position 0');
    expect(runtimeErrorOf('" " + 1')).toMatch(/Cannot convert " " to a number/);
  });

  it('reports overflow instead of producing infinity', () => {
    expect(runtimeErrorOf('1e308 * 10')).toBe('Numeric result is out of range at position 6');
  });
});

describe('& concatenation', () => {
  it.each<[string, PowerFxValue]>([
    ['"a" & "b"', 'ab'],
    ['"a" & "b" & "c"', 'abc'],
    ['"n=" & 42', 'n=42'],
    ['1 & 2', '12'],
    ['"" & 2.50', '2.5'],
    ['"x" & true', 'xtrue'],
    ['"A" & Blank() & "B"', 'AB'],
    ['Blank() & Blank()', ''],
    ['0.1 + 0.2 & ""', '0.3'],
    ['1 / 3 & ""', '0.333333333333333'],
    ['2 / 3 & ""', '0.666666666666667'],
    ['-5 & ""', '-5'],
    ['1e21 & ""', '1e+21'],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });
});

describe('comparison', () => {
  it.each<[string, PowerFxValue]>([
    ['1 = 1', true],
    ['1 = 2', false],
    ['1 <> 2', true],
    ['"a" = "a"', true],
    ['"a" = "A"', false],
    ['true = true', true],
    ['true <> false', true],
    ['Blank() = Blank()', true],
    ['Blank() <> Blank()', false],
    ['Blank() = 0', false],
    ['0 = Blank()', false],
    ['Blank() = ""', false],
    ['Blank() <> ""', true],
    ['job.Missing = Blank()', true],
    ['job.Missing = worker.Missing', true],
    ['1 = "1"', false],
    ['1 <> "1"', true],
    ['true = "true"', false],
    ['true = 1', false],
    ['2 < 3', true],
    ['3 <= 3', true],
    ['3 > 3', false],
    ['3 >= 3', true],
    ['-5 < Blank()', true],
    ['5 < Blank()', false],
    ['Blank() <= Blank()', true],
    ['Blank() < Blank()', false],
    ['"10" > 9', true],
    ['"10" > "9"', true],
    ['true > false', true],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('compares a number label with a string literal as unequal rather than failing', () => {
    expect(valueOf('job.Tier = "2"', { job: { Tier: 2 } })).toBe(false);
    expect(valueOf('job.Tier = 2', { job: { Tier: '2' } })).toBe(false);
    expect(valueOf('job.Tier = 2', { job: { Tier: 2 } })).toBe(true);
  });

  it('orders numbers only, so non-numeric text is a runtime error', () => {
    expect(runtimeErrorOf('"a" < "b"')).toBe('Cannot convert "a" to a number at position 4');
    expect(runtimeErrorOf('job.Lang > 1', { job: { Lang: 'en' } })).toMatch(/Cannot convert "en" to a number/);
  });
});

describe('logic', () => {
  it.each<[string, PowerFxValue]>([
    ['And(true, true)', true],
    ['And(true, false)', false],
    ['And(true)', true],
    ['And(true, true, true, false)', false],
    ['Or(false, false)', false],
    ['Or(false, false, true)', true],
    ['Not(true)', false],
    ['Not(false)', true],
    ['true And false', false],
    ['true Or false', true],
    ['Not false', true],
    ['true && true', true],
    ['false || false', false],
    ['!true', false],
    ['!!true', true],
    ['Not Not false', false],
    ['And(Blank(), true)', false],
    ['Or(Blank(), Blank())', false],
    ['Not(Blank())', true],
    ['Not("")', true],
    ['7 && 0', false],
    ['0 || 7', true],
    ['Not(0)', true],
    ['And("true", "TRUE")', true],
    ['Or("false", "False")', false],
    ['true And job.Missing', false],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('short-circuits: the deciding argument stops evaluation before an error', () => {
    expect(valueOf('false And 1 / 0 = 1')).toBe(false);
    expect(valueOf('false && Value("x") = 1')).toBe(false);
    expect(valueOf('And(false, 1 / 0 = 1)')).toBe(false);
    expect(valueOf('true Or 1 / 0 = 1')).toBe(true);
    expect(valueOf('Or(true, Value("x"))')).toBe(true);
    expect(runtimeErrorOf('And(true, 1 / 0 = 1)')).toMatch(/Division by zero/);
    expect(runtimeErrorOf('Or(false, 1 / 0 = 1)')).toMatch(/Division by zero/);
  });

  it('rejects text other than true/false as a boolean at run time', () => {
    expect(runtimeErrorOf('And("yes", true)')).toBe('Cannot use "yes" as a boolean at position 0');
    expect(runtimeErrorOf('Not "1"')).toBe('Cannot use "1" as a boolean at position 0');
    expect(runtimeErrorOf('job.Lang || false', { job: { Lang: 'en' } })).toMatch(/Cannot use "en" as a boolean/);
  });
});

describe('in and exactin', () => {
  it.each<[string, PowerFxValue]>([
    ['"a" in "cat"', true],
    ['"A" in "cat"', true],
    ['"dog" in "cat"', false],
    ['"a" exactin "cat"', true],
    ['"A" exactin "cat"', false],
    ['"" in "cat"', true],
    ['"a" in Blank()', false],
    ['"" in Blank()', true],
    ['Blank() in "hello"', true],
    ['Blank() exactin Blank()', true],
    ['1 in "123"', true],
    ['"true" in true', true],
    ['job.Lang in "en-US"', true],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source, { job: { Lang: 'EN' } })).toBe(expected);
  });
});

describe('If', () => {
  it.each<[string, PowerFxValue]>([
    ['If(true, 1, 2)', 1],
    ['If(false, 1, 2)', 2],
    ['If(false, 1)', null],
    ['If(true, 1)', 1],
    ['If(false, 1, false, 2, 3)', 3],
    ['If(false, 1, true, 2, 3)', 2],
    ['If(false, 1, false, 2)', null],
    ['If(Blank(), 1, 2)', 2],
    ['If("", 1, 2)', 2],
    ['If(0, 1, 2)', 2],
    ['If(-1, 1, 2)', 1],
    ['If("TRUE", 1, 2)', 1],
    ['If(true, "text", 2)', 'text'],
    ['IsBlank(If(false, false))', true],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('is lazy: only the chosen branch and the conditions up to it are evaluated', () => {
    expect(valueOf('If(true, 1, 1 / 0)')).toBe(1);
    expect(valueOf('If(false, 1 / 0, 2)')).toBe(2);
    expect(valueOf('If(true, 1, Value("x") = 1, 2, 3)')).toBe(1);
    expect(runtimeErrorOf('If(false, 1, 1 / 0)')).toMatch(/Division by zero/);
  });

  it('reports a condition that cannot be a boolean at the If', () => {
    expect(runtimeErrorOf('1 + If("maybe", 1, 2)')).toBe('Cannot use "maybe" as a boolean at position 4');
  });
});

describe('text and conversion functions', () => {
  it.each<[string, PowerFxValue]>([
    ['IsBlank(Blank())', true],
    ['IsBlank("")', true],
    ['IsBlank(" ")', false],
    ['IsBlank(0)', false],
    ['IsBlank(false)', false],
    ['IsBlank(job.Missing)', true],
    ['Text(12)', '12'],
    ['Text(1.50)', '1.5'],
    ['Text(true)', 'true'],
    ['Text("x")', 'x'],
    ['IsBlank(Text(Blank()))', true],
    ['Text(Blank()) = Blank()', true],
    ['Value("42")', 42],
    ['Value(" -1.23 ")', -1.23],
    ['Value("+.5")', 0.5],
    ['Value("123.")', 123],
    ['Value("2.1e3")', 2100],
    ['Value("100e-2")', 1],
    ['Value("1,000,000")', 1000000],
    ['Value("12.34%")', 0.1234],
    ['Value("%10")', 0.1],
    ['Value("- 1000")', -1000],
    ['Value(7)', 7],
    ['Value(true)', 1],
    ['Value(false)', 0],
    ['Value("")', null],
    ['Value(Blank())', null],
    ['Lower("AbC")', 'abc'],
    ['Upper("AbC")', 'ABC'],
    ['Upper(Blank())', ''],
    ['Lower(12)', '12'],
    ['Len("hello")', 5],
    ['Len("")', 0],
    ['Len(Blank())', 0],
    ['Len(123.5)', 5],
    ['Left("hello", 2)', 'he'],
    ['Left("hello", 0)', ''],
    ['Left("hello", 99)', 'hello'],
    ['Left("hello", 2.9)', 'he'],
    ['Left(Blank(), 2)', ''],
    ['Right("hello", 2)', 'lo'],
    ['Right("hello", 0)', ''],
    ['Right("hello", 99)', 'hello'],
    ['Right("hello", Blank())', ''],
    ['Mid("hello", 2)', 'ello'],
    ['Mid("hello", 2, 3)', 'ell'],
    ['Mid("hello", 1, 1)', 'h'],
    ['Mid("hello", 5, 10)', 'o'],
    ['Mid("hello", 6)', ''],
    ['Mid("hello", 99, 1)', ''],
    ['Mid("hello", 2, 0)', ''],
    ['Mid("hello", 2.7, 1.9)', 'e'],
    ['StartsWith("Hello", "he")', true],
    ['StartsWith("Hello", "lo")', false],
    ['StartsWith("Hello", "")', true],
    ['StartsWith(Blank(), "a")', false],
    ['EndsWith("Hello", "LO")', true],
    ['EndsWith("Hello", "he")', false],
    ['Contains("Billing Support", "support")', true],
    ['Contains("Billing", "sales")', false],
    ['Contains("Billing", Blank())', true],
  ])('%s is %j', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it.each<[string, RegExp]>([
    ['Value("abc")', /^Cannot convert "abc" to a number at position 0$/],
    ['Value("1 2")', /Cannot convert "1 2"/],
    ['Value("2e")', /Cannot convert "2e"/],
    ['Value("%1%")', /Cannot convert "%1%"/],
    ['Value("1e999")', /Cannot convert "1e999"/],
    ['Value("0x10")', /Cannot convert "0x10"/],
    ['Value("Infinity")', /Cannot convert "Infinity"/],
    ['Left("abc", -1)', /^Left count must be at least 0, not -1 at position 0$/],
    ['Right("abc", -2)', /Right count must be at least 0, not -2/],
    ['Mid("abc", 0)', /^Mid start must be at least 1, not 0 at position 0$/],
    ['Mid("abc", 1, -1)', /Mid count must be at least 0, not -1/],
    ['Left("abc", "two")', /Cannot convert "two" to a number/],
  ])('%s fails at run time with %s', (source, message) => {
    expect(runtimeErrorOf(source)).toMatch(message);
  });

  it('cuts long text short in error messages', () => {
    const message = runtimeErrorOf('Value(job.Long)', { job: { Long: 'x'.repeat(500) } });
    expect(message.length).toBeLessThan(100);
    expect(message).toContain('…');
  });
});

describe('precedence and associativity follow Power Fx', () => {
  it.each<[string, PowerFxValue, string]>([
    ['2 + 3 * 4', 14, '* binds tighter than +'],
    ['(2 + 3) * 4', 20, 'parentheses group'],
    ['-2 + 3', 1, 'unary minus binds tighter than +'],
    ['-(2 + 3)', -5, 'parentheses group under unary minus'],
    ['1 + 2 & 3', '33', '+ binds tighter than &'],
    ['"a" & 1 = "a1"', true, '& binds tighter than ='],
    ['1 = 1 in "true"', true, 'comparison binds tighter than in: (1 = 1) in "true"'],
    ['"a" in "abc" And false', false, 'in binds tighter than And'],
    ['true Or false And false', true, 'And binds tighter than Or'],
    ['true || false && false', true, '&& binds tighter than ||'],
    ['Not true Or true', true, 'Not binds tighter than Or'],
    ['!false And false', false, '! binds tighter than And'],
    ['Not 1 = 0', false, 'Not binds tighter than =: (Not 1) = 0 compares a boolean with a number'],
    ['Not(1 = 0)', true, 'the function form takes the whole comparison'],
    ['10 - 4 - 3', 3, '- is left-associative'],
    ['2 * 3 / 4', 1.5, '* and / are left-associative'],
    ['12 / 2 * 3', 18, '/ then * from the left'],
    ['1 < 2 = true', true, 'comparisons are left-associative: (1 < 2) = true'],
  ])('%s is %j (%s)', (source, expected) => {
    expect(valueOf(source)).toBe(expected);
  });

  it('treats "a" in ("abc" And false) differently, proving the grouping above matters', () => {
    expect(runtimeErrorOf('"a" in ("abc" And false)')).toMatch(/Cannot use "abc" as a boolean/);
  });
});

describe('syntax errors name what was expected and where', () => {
  it.each<[string, number, string]>([
    // unbalanced parentheses
    ['(1 + 2', 6, "Unexpected end of input at position 6; expected ')' to close the '(' at position 0"],
    ['1 + 2)', 5, "Unexpected token ')' at position 5; expected an operator or the end of the expression"],
    ['If(true, 1', 10, "Unexpected end of input at position 10; expected ',' or ')' to close the '(' at position 2"],
    ['If(true 1)', 8, "Unexpected token '1' at position 8; expected ',' or ')' to close the '(' at position 2"],
    ['()', 1, "Unexpected token ')' at position 1; expected an operand"],
    // unterminated literals
    ['"abc', 0, 'Unterminated string literal at position 0; expected a closing "'],
    ['1 & "abc""', 4, 'Unterminated string literal at position 4; expected a closing "'],
    ["job.'Label", 4, "Unterminated quoted name at position 4; expected a closing '"],
    ["job.''", 4, 'Empty quoted name at position 4; expected a name between the quotes'],
    // unknown functions and wrong arity
    ['Foo(1)', 0, 'Unknown function \'Foo\' at position 0; expected one of Blank, If, And, Or, Not, IsBlank, Text, Value, Lower, Upper, Len, Left, Right, Mid, StartsWith, EndsWith, Contains'],
    ['if(true, 1)', 0, "Unknown function 'if' at position 0; expected 'If' (function names are case-sensitive)"],
    ['1 + isblank(1)', 4, "Unknown function 'isblank' at position 4; expected 'IsBlank' (function names are case-sensitive)"],
    ['Len()', 0, 'Len given 0 arguments at position 0; expected exactly 1'],
    ['Len("a", "b")', 0, 'Len given 2 arguments at position 0; expected exactly 1'],
    ['If(true)', 0, 'If given 1 argument at position 0; expected at least 2'],
    ['Mid("a")', 0, 'Mid given 1 argument at position 0; expected 2 to 3'],
    ['Mid("a", 1, 2, 3)', 0, 'Mid given 4 arguments at position 0; expected 2 to 3'],
    ['Blank(1)', 0, 'Blank given 1 argument at position 0; expected exactly 0'],
    ['And()', 0, 'And given 0 arguments at position 0; expected at least 1'],
    ['1 + Not(1, 2)', 4, 'Not given 2 arguments at position 4; expected exactly 1'],
    ['Blank', 5, "Unexpected end of input at position 5; expected '(' after the function name Blank"],
    // trailing input
    ['1 2', 2, "Unexpected token '2' at position 2; expected an operator or the end of the expression"],
    ['job.A job.B', 6, "Unexpected token 'job' at position 6; expected an operator or the end of the expression"],
    ['1, 2', 1, "Unexpected token ',' at position 1; expected an operator or the end of the expression"],
    ['true In "x"', 5, "Unexpected token 'In' at position 5; expected an operator or the end of the expression"],
    // empty input
    ['', 0, 'Empty expression at position 0; expected a formula'],
    ['   ', 3, 'Empty expression at position 3; expected a formula'],
    ['=', 1, 'Empty expression at position 1; expected a formula'],
    // unknown identifiers
    ['foo', 0, "Unknown name 'foo' at position 0; expected job.<Label>, worker.<Label>, true, false, a number, a string or a function call"],
    ['Job.Tier', 0, "Unknown name 'Job' at position 0; expected job.<Label>, worker.<Label>, true, false, a number, a string or a function call"],
    ["1 + 'true'", 4, "Unknown name 'true' at position 4; expected job.<Label>, worker.<Label>, true, false, a number, a string or a function call"],
    ['job', 3, "Unexpected end of input at position 3; expected '.' and a label name after 'job'"],
    ['worker + 1', 7, "Unexpected token '+' at position 7; expected '.' and a label name after 'worker'"],
    ['job.', 4, "Unexpected end of input at position 4; expected a label name after 'job.' (quote names with spaces: job.'My Label')"],
    ['job."Tier"', 4, "Unexpected token '\"Tier\"' at position 4; expected a label name after 'job.' (quote names with spaces: job.'My Label')"],
    ['job.Tier.Sub', 8, "Unexpected token '.' at position 8; expected an operator or the end of the expression"],
    // missing operands and operators the subset does not have
    ['1 +', 3, 'Unexpected end of input at position 3; expected an operand'],
    ['* 2', 0, "Unexpected token '*' at position 0; expected an operand"],
    ['1 == 1', 3, "Unexpected token '=' at position 3; expected an operand"],
    ['1 != 1', 2, "Unexpected token '!' at position 2; expected an operator or the end of the expression"],
    ['true And And false', 9, "Unexpected token 'And' at position 9; expected an operand"],
    ['Not', 3, 'Unexpected end of input at position 3; expected an operand'],
    ['2 ^ 3', 2, "Unexpected character '^' at position 2"],
    ['50%', 2, "Unexpected character '%' at position 2"],
    ['1 # 2', 2, "Unexpected character '#' at position 2"],
    ['"a" & 😀', 6, "Unexpected character '😀' at position 6"],
    // malformed numbers
    ['12abc', 0, "Invalid number '12a…' at position 0"],
    ['1e999', 0, 'Number 1e999 is too large at position 0'],
  ])('%j fails at %i', (source, position, message) => {
    const error = syntaxErrorOf(source);
    expect(error.position).toBe(position);
    expect(error.message).toBe(message);
  });

  it('is an Error named PowerFxSyntaxError whose message includes "at position N"', () => {
    const error = syntaxErrorOf('If(true, 1');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PowerFxSyntaxError');
    expect(error.message).toContain(`at position ${error.position}`);
  });

  it('cuts long tokens short in messages', () => {
    const error = syntaxErrorOf(`1 "${'x'.repeat(100)}"`);
    expect(error.message).toBe(`Unexpected token '"${'x'.repeat(19)}…' at position 2; expected an operator or the end of the expression`);
  });

  it('rejects a source that is not a string (policies arrive as untyped JSON)', () => {
    const error = syntaxErrorOf(42 as unknown as string);
    expect(error.message).toBe('Expression must be a string at position 0');
  });
});

describe('hostile input', () => {
  it('accepts 200 levels of nesting and refuses 201 with a syntax error, not a stack overflow', () => {
    expect(valueOf(`${'('.repeat(200)}1${')'.repeat(200)}`)).toBe(1);
    const error = syntaxErrorOf(`${'('.repeat(201)}1${')'.repeat(201)}`);
    expect(error.message).toBe('Expression nests too deeply at position 200; expected at most 200 levels of nesting');
  });

  it.each<[string, string]>([
    ['parentheses', '('.repeat(9000)],
    ['prefix operators', `${'!'.repeat(9000)}true`],
    ['unary minus', `${'-'.repeat(9000)}1`],
    ['nested calls', `${'Not('.repeat(1500)}true${')'.repeat(1500)}`],
    ['a long operator chain', `1${' + 1'.repeat(2400)}`],
    ['a long concatenation chain', `"a"${' & "a"'.repeat(1600)}`],
  ])('refuses deep %s with a syntax error', (_, source) => {
    expect(syntaxErrorOf(source).message).toMatch(/^Expression nests too deeply at position \d+/);
  });

  it('evaluates the deepest accepted nesting without trouble', () => {
    let source = 'job.Tier';
    for (let level = 1; level < 200; level += 1) source = `If(true, ${source})`;
    expect(valueOf(source, { job: { Tier: 3 } })).toBe(3);
  });

  it('caps the source at 10,000 characters', () => {
    const longest = `"${'x'.repeat(9998)}"`;
    expect(valueOf(longest)).toHaveLength(9998);
    const error = syntaxErrorOf(`${longest} `);
    expect(error.position).toBe(10_000);
    expect(error.message).toBe('Expression is too long (10001 characters) at position 10000; expected at most 10000 characters');
  });

  it('never throws from evaluate, whatever the context holds', () => {
    const hostile = {
      get job(): never {
        throw new Error('boom');
      },
    } as unknown as PowerFxContext;
    expect(compilePowerFx('job.Tier').evaluate(hostile)).toEqual({ ok: false, message: 'boom' });
    expect(compilePowerFx('job.Tier').evaluate(undefined as unknown as PowerFxContext)).toEqual({ ok: true, value: null });
    expect(compilePowerFx('job.Tier').evaluate({ job: null } as unknown as PowerFxContext)).toEqual({ ok: true, value: null });
  });
});
