import { describe, expect, it } from 'vitest';
import { InMemoryGenerations } from '../../src/policy/generations.ts';

describe('generations guarding results that arrive later', () => {
  it('a newer start makes the earlier generation stale, and only the current one finishes', () => {
    const generations = new InMemoryGenerations();
    const first = generations.begin('j');
    const second = generations.begin('j');
    expect(generations.isCurrent('j', first)).toBe(false);
    expect(generations.finish('j', first)).toBe(false);
    expect(generations.has('j')).toBe(true);
    expect(generations.finish('j', second)).toBe(true);
    expect(generations.has('j')).toBe(false);
    expect(generations.size).toBe(0);
  });

  it('applyLater applies a current result in a command of its own, and drops a stale one', async () => {
    const generations = new InMemoryGenerations();
    const applied: string[] = [];
    const commands: number[] = [];
    const command = async (apply: () => void) => {
      commands.push(commands.length);
      apply();
    };
    const stale = generations.begin('j');
    generations.applyLater('j', stale, Promise.resolve('stale'), command, (value) => applied.push(value));
    const current = generations.begin('j');
    generations.applyLater('j', current, Promise.resolve('current'), command, (value) => applied.push(value));
    generations.applyLater('k', generations.begin('k'), Promise.reject(new Error('no answer')), command, (value) => applied.push(value));
    await new Promise((resolve) => setImmediate(resolve));
    expect(applied).toEqual(['current']);
    expect(commands).toHaveLength(2);
  });
});
