/** The checked-in OpenAPI document is what the operations table builds now, and is a valid OpenAPI 3.1 shape. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApiFile } from '../../scripts/generate-openapi.ts';
import { operations } from '../../src/operations/table.ts';

describe('docs/openapi.json', () => {
  const text = readFileSync(OPENAPI_FILE, 'utf8');
  const document = JSON.parse(text) as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  };

  it('matches the operations table', () => {
    expect(text, 'docs/openapi.json is stale: run `npm run docs:openapi` and commit the result').toBe(renderOpenApiFile());
  });

  it('describes every operation of the table once, under its path and method, with its error response', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const operation of operations) {
      const described = document.paths[operation.path]?.[operation.method.toLowerCase()];
      expect(described?.operationId, `${operation.method} ${operation.path}`).toBe(operation.name);
      expect(described?.responses['default']).toBeDefined();
    }
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refers only to components it defines', () => {
    const defined = new Set(Object.keys((JSON.parse(text) as { components: { schemas: object } }).components.schemas));
    for (const [, name] of text.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)) expect(defined, name).toContain(name);
  });
});
