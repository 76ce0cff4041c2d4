/**
 * Writes `docs/openapi.json`, the OpenAPI 3.1 document the server serves at `/openapi.json`, built from the
 * operations table. Run with `npm run docs:openapi`; `test/unit/openapi-fresh.test.ts` fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildOpenApiDocument } from '../src/gateway/http/openapi.ts';

export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url);

/** `docs/openapi.json`, as it should be checked in. */
export function renderOpenApiFile(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) writeFileSync(OPENAPI_FILE, renderOpenApiFile());
