/**
 * Writes `docs/errors.md` from the error catalogue in `src/errors.ts`. Run with `npm run docs:errors`;
 * `test/unit/errors-doc-fresh.test.ts` fails when the checked-in page differs from what this renders.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { errorCatalogue, type ErrorCode } from '../src/errors.ts';

const INTRO = `# Error codes

<!-- Generated from src/errors.ts by \`npm run docs:errors\`; do not edit by hand. -->

Every refusal Switchboard gives is one of the codes below. A refused command changes nothing.

**REST** answers with the status in the table and Azure's error body, as the live Job Router service sent it:

\`\`\`json
{
  "communicationError": {
    "code": "Conflict",
    "message": "offer 5f0c… was already accepted",
    "target": "offerId",
    "details": [{ "code": "OfferNotActive", "message": "offer 5f0c… was already accepted" }]
  }
}
\`\`\`

- \`code\` is Azure's generic code (the *Azure code* column), so clients written against Azure keep working.
- \`details[0].code\` and the \`x-ms-error-code\` header carry Switchboard's precise code (the *Code* column).
- \`target\` names the offending field, parameter or header when there is one, and is omitted otherwise.
- 429 comes with \`Retry-After\` (seconds); 401 with \`WWW-Authenticate\`, and its message never says why.
- Requests that Node's HTTP parser rejects (an unknown method, a malformed request line) get the same body:
  \`InvalidRequest\`, or \`HeadersTooLarge\` past 16 KiB of headers.

**WebSocket** answers \`{"id", "ok": false, "error": {"code", "message", "target"}}\` with the precise code.

*Retryable* says whether sending the same request again, unchanged, can succeed.

`;

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The page, as it should be checked in. */
export function renderErrorsDoc(): string {
  // By status, then in catalogue order, so related codes sit together.
  const codes = (Object.keys(errorCatalogue) as ErrorCode[]).sort((a, b) => errorCatalogue[a].status - errorCatalogue[b].status);
  const rows = codes.map((code) => {
    const entry = errorCatalogue[code];
    return `| \`${code}\` | ${entry.status} | \`${entry.azureCode}\` | ${entry.retryable ? 'yes' : 'no'} | ${cell(entry.summary)} |`;
  });
  return `${INTRO}| Code | HTTP | Azure code | Retryable | Meaning |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}

function main(): void {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
