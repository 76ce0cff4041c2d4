import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
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

/** Where `src/` may reach a Router's `engine` and `webhooks`: only the module that builds the Router. */
const ROUTER_MODULE = 'src/router.ts';

/**
 * Every `.engine` / `.webhooks` read (property access, element access or destructuring) of a value whose type is
 * `Router`, in `src/`, as `file:line`. Found by the type checker, so a Router under any name counts, and an
 * unrelated `options.webhooks` does not.
 */
function routerInternalsReadsInSrc(): string[] {
  const files = tsFiles(join(root, 'src')).filter((path) => !path.includes(`${join('src', 'console', 'ui')}`));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const isRouter = (node: ts.Node) => {
    const symbol = checker.getTypeAtLocation(node).getSymbol();
    return symbol?.getName() === 'Router' && symbol.declarations?.some((d) => d.getSourceFile().fileName.endsWith('/src/router.ts')) === true;
  };
  const found: string[] = [];
  for (const source of program.getSourceFiles()) {
    const path = relative(root, source.fileName).split('\\').join('/');
    if (!path.startsWith('src/')) continue;
    const report = (node: ts.Node) => found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && INTERNAL_NAMES.has(node.name.text) && isRouter(node.expression)) report(node);
      if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && INTERNAL_NAMES.has(node.argumentExpression.text) && isRouter(node.expression))
        report(node);
      if (ts.isObjectBindingPattern(node) && isRouter(node))
        for (const element of node.elements) {
          const name = element.propertyName ?? element.name;
          if (ts.isIdentifier(name) && INTERNAL_NAMES.has(name.text)) report(element);
        }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const INTERNAL_NAMES: ReadonlySet<string> = new Set(['engine', 'webhooks']);

describe('the faces use Router, not what it is built from', () => {
  it(`no module of src/ but ${ROUTER_MODULE} reads a Router's engine or webhooks`, () => {
    const reads = routerInternalsReadsInSrc();
    // The router itself reads them, which shows the search finds what it looks for.
    expect(reads.some((at) => at.startsWith(`${ROUTER_MODULE}:`))).toBe(true);
    expect(reads.filter((at) => !at.startsWith(`${ROUTER_MODULE}:`))).toEqual([]);
  }, 60_000);
});
