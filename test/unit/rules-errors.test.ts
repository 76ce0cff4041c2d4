import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ruleErrorCatalogue } from '../../src/rules/rule-errors.ts';

const docs = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');

/** The codes in the first column of the failure-code table of docs/rules.md. */
function documentedCodes(): string[] {
  const section = docs.slice(docs.indexOf('### Failure codes'));
  return [...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1] ?? '');
}

describe('the rule failure codes', () => {
  it('are each documented in docs/rules.md, and the table lists no other code', () => {
    expect(documentedCodes().sort()).toEqual(Object.keys(ruleErrorCatalogue).sort());
  });
});
