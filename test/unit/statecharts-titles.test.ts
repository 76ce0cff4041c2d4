/**
 * Regression: the worker chart showed `inactive` and `draining` as two boxes both titled `entry / markUnavailable`.
 * Mermaid titles a state with its first `id : text` line (a single such line replaces the name), so every state
 * that has description lines must name itself first.
 */
import { describe, expect, it } from 'vitest';
import { renderStatecharts } from '../../scripts/generate-statecharts.ts';

/** The description lines of each state id in a chart, in order, as Mermaid collects them. */
function descriptionsById(chart: string): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const line of chart.split('\n')) {
    const match = /^\s*([A-Za-z0-9_]+) : (.*)$/.exec(line);
    if (!match) continue;
    const [, id = '', text = ''] = match;
    byId.set(id, [...(byId.get(id) ?? []), text]);
  }
  return byId;
}

describe('state chart titles', () => {
  for (const [fileName, chart] of renderStatecharts()) {
    if (fileName === 'README.md') continue;
    it(`${fileName}: a state with entry or exit actions is titled by its own name`, () => {
      for (const [id, lines] of descriptionsById(chart)) {
        const name = id.split('__').at(-1);
        expect(lines[0], `state ${id} in ${fileName} would be titled "${lines[0]}"`).toBe(name);
      }
    });
  }

  it('worker.md shows inactive and draining by name, each with its entry action under it', () => {
    const worker = descriptionsById(renderStatecharts().get('worker.md')!);
    expect(worker.get('inactive')).toEqual(['inactive', 'entry / markUnavailable']);
    expect(worker.get('draining')).toEqual(['draining', 'entry / markUnavailable']);
  });
});
