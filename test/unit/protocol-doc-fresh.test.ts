/** The checked-in protocol reference is what the zod schemas render to now. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolSectionOf, renderProtocolSection, renderSchemasPage } from '../../scripts/generate-protocol-doc.ts';

const REGENERATE = 'stale: run `npm run docs:protocol` and commit the result';
const read = (page: string) => readFileSync(new URL(`../../docs/${page}`, import.meta.url), 'utf8');

describe('the protocol reference', () => {
  it('docs/protocol.md holds the current operation index, event reference, close codes and limits', () => {
    expect(protocolSectionOf(read('protocol.md')), `docs/protocol.md is ${REGENERATE}`).toBe(renderProtocolSection());
  });

  it('docs/protocol-schemas.md holds the JSON Schema of every message as the schemas define it now', () => {
    expect(read('protocol-schemas.md'), `docs/protocol-schemas.md is ${REGENERATE}`).toBe(renderSchemasPage());
  });
});
