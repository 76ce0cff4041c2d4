/** The checked-in state charts are what the machines render to now. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderStatecharts } from '../../scripts/generate-statecharts.ts';

const directory = new URL('../../docs/statecharts/', import.meta.url);
const rendered = renderStatecharts();
const REGENERATE = 'stale: run `npm run docs:statecharts` and commit the result';

describe('docs/statecharts', () => {
  for (const [fileName, content] of rendered) {
    it(`${fileName} matches its machine`, () => {
      const file = new URL(fileName, directory);
      expect(existsSync(file), `docs/statecharts/${fileName} is missing: ${REGENERATE}`).toBe(true);
      expect(readFileSync(file, 'utf8'), `docs/statecharts/${fileName} is ${REGENERATE}`).toBe(content);
    });
  }

  it('holds no chart of a machine that is gone', () => {
    expect(readdirSync(directory).sort(), `docs/statecharts is ${REGENERATE}`).toEqual([...rendered.keys()].sort());
  });
});
