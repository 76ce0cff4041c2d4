/** The checked-in error reference is what the catalogue renders to now. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../../scripts/generate-errors-doc.ts';
import { errorCatalogue } from '../../src/errors.ts';

describe('docs/errors.md', () => {
  const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('matches the error catalogue', () => {
    expect(page, 'docs/errors.md is stale: run `npm run docs:errors` and commit the result').toBe(renderErrorsDoc());
  });

  it('lists every code with its status', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) expect(page).toContain(`| \`${code}\` | ${entry.status} |`);
  });
});
