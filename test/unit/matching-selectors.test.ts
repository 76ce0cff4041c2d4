import { describe, expect, it } from 'vitest';
import { readLabel, satisfiesAll, satisfiesSelector, selectorSignature } from '../../src/matching/selectors.ts';
import type { LabelOperator, RouterValue, SelectorView } from '../../src/matching/types.ts';

const sel = (key: string, labelOperator: LabelOperator, value?: RouterValue): SelectorView =>
  value === undefined ? { key, labelOperator } : { key, labelOperator, value };

describe('satisfiesSelector', () => {
  it('equal compares primitives strictly', () => {
    expect(satisfiesSelector(sel('lang', 'equal', 'en'), { lang: 'en' })).toBe(true);
    expect(satisfiesSelector(sel('lang', 'equal', 'en'), { lang: 'fr' })).toBe(false);
    expect(satisfiesSelector(sel('level', 'equal', 1), { level: '1' })).toBe(false);
    expect(satisfiesSelector(sel('vip', 'equal', true), { vip: 'true' })).toBe(false);
    expect(satisfiesSelector(sel('vip', 'equal', false), { vip: false })).toBe(true);
    expect(satisfiesSelector(sel('level', 'equal', 0), { level: 0 })).toBe(true);
  });

  it('equal with a value is not satisfied by a missing label', () => {
    expect(satisfiesSelector(sel('lang', 'equal', 'en'), {})).toBe(false);
  });

  it('equal without a value asks for the label to be absent', () => {
    expect(satisfiesSelector(sel('banned', 'equal'), {})).toBe(true);
    expect(satisfiesSelector(sel('banned', 'equal'), { banned: true })).toBe(false);
  });

  it('notEqual is satisfied by a different or missing label', () => {
    expect(satisfiesSelector(sel('segment', 'notEqual', 'vip'), { segment: 'new' })).toBe(true);
    expect(satisfiesSelector(sel('segment', 'notEqual', 'vip'), {})).toBe(true);
    expect(satisfiesSelector(sel('segment', 'notEqual', 'vip'), { segment: 'vip' })).toBe(false);
    expect(satisfiesSelector(sel('level', 'notEqual', 1), { level: '1' })).toBe(true);
  });

  it('notEqual without a value asks for the label to be present', () => {
    expect(satisfiesSelector(sel('skill', 'notEqual'), { skill: false })).toBe(true);
    expect(satisfiesSelector(sel('skill', 'notEqual'), {})).toBe(false);
  });

  it.each([
    ['lessThan', 4, true],
    ['lessThan', 5, false],
    ['lessThanOrEqual', 5, true],
    ['lessThanOrEqual', 6, false],
    ['greaterThan', 6, true],
    ['greaterThan', 5, false],
    ['greaterThanOrEqual', 5, true],
    ['greaterThanOrEqual', 4, false],
  ] as const)('%s 5 with label %d is %s', (op, label, expected) => {
    expect(satisfiesSelector(sel('n', op, 5), { n: label })).toBe(expected);
  });

  it('magnitude operators need numbers on both sides', () => {
    for (const op of ['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'] as const) {
      expect(satisfiesSelector(sel('n', op, 5), { n: '5' })).toBe(false);
      expect(satisfiesSelector(sel('n', op, '5'), { n: 5 })).toBe(false);
      expect(satisfiesSelector(sel('n', op, 5), { n: true })).toBe(false);
      expect(satisfiesSelector(sel('n', op), { n: 5 })).toBe(false);
      expect(satisfiesSelector(sel('n', op, 5), {})).toBe(false);
    }
  });

  it('does not find labels on the object prototype', () => {
    expect(readLabel({}, 'constructor')).toBeUndefined();
    expect(satisfiesSelector(sel('toString', 'equal'), {})).toBe(true);
    expect(satisfiesSelector(sel('constructor', 'notEqual'), {})).toBe(false);
  });
});

describe('satisfiesAll', () => {
  it('requires every selector and accepts an empty list', () => {
    const labels = { lang: 'en', level: 7 };
    expect(satisfiesAll([], labels)).toBe(true);
    expect(satisfiesAll([sel('lang', 'equal', 'en'), sel('level', 'greaterThan', 5)], labels)).toBe(true);
    expect(satisfiesAll([sel('lang', 'equal', 'en'), sel('level', 'greaterThan', 7)], labels)).toBe(false);
  });
});

describe('selectorSignature', () => {
  const a = sel('lang', 'equal', 'en');
  const b = sel('level', 'greaterThanOrEqual', 5);

  it('does not depend on selector order or repetition', () => {
    expect(selectorSignature('chat', [a, b])).toBe(selectorSignature('chat', [b, a]));
    expect(selectorSignature('chat', [a, b, a])).toBe(selectorSignature('chat', [b, a]));
  });

  it('ignores expedite, which orders jobs but does not choose workers', () => {
    expect(selectorSignature('chat', [{ ...a, expedite: true }])).toBe(selectorSignature('chat', [a]));
  });

  it('distinguishes channels, keys, operators and values', () => {
    const base = selectorSignature('chat', [a]);
    expect(selectorSignature('voice', [a])).not.toBe(base);
    expect(selectorSignature('chat', [sel('language', 'equal', 'en')])).not.toBe(base);
    expect(selectorSignature('chat', [sel('lang', 'notEqual', 'en')])).not.toBe(base);
    expect(selectorSignature('chat', [sel('lang', 'equal', 'fr')])).not.toBe(base);
    expect(selectorSignature('chat', [])).not.toBe(base);
  });

  it('distinguishes value types and a missing value', () => {
    const signatures = new Set(
      [1, '1', true, 'true', undefined, 'null'].map((v) => selectorSignature('chat', [sel('k', 'equal', v)])),
    );
    expect(signatures.size).toBe(6);
  });

  it('cannot be forged by separators inside keys or channel ids', () => {
    expect(selectorSignature('a\n["k","equal",1]', [])).not.toBe(selectorSignature('a', [sel('k', 'equal', 1)]));
  });
});
