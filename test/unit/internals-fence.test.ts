import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Where reaching the router's `@internal` members is allowed: tests of internals, shared fixtures, benchmarks. */
const ALLOWED = /^test\/(internals|support|bench)\//;
/** `router.engine`, `router.webhooks` and the like: members of `Router` marked `@internal`. */
const INTERNAL_MEMBER = /\.(engine|webhooks)\.|\.engine\b/;

describe('tests that need internals', () => {
  it('live in test/internals/: no other test reaches Router.engine or Router.webhooks', () => {
    const offending = tsFiles(join(root, 'test'))
      .map((path) => relative(root, path).split('\\').join('/'))
      .filter((path) => !ALLOWED.test(path) && path !== 'test/unit/internals-fence.test.ts')
      .filter((path) => INTERNAL_MEMBER.test(readFileSync(join(root, path), 'utf8')));
    expect(offending).toEqual([]);
  });
});
