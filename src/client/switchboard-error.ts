import type { ErrorCode } from '../errors.ts';

/**
 * Why a client call failed: a catalogue code the server answered (see `docs/errors.md`), or `ConnectionClosed`
 * when the connection ended before the answer arrived (or could not be opened).
 */
export type SwitchboardErrorCode = ErrorCode | 'ConnectionClosed';

/**
 * Rejects a {@link SwitchboardClient} call: the server refused the request (`code`, `message` and `target` as it
 * sent them), or the connection closed first.
 */
export class SwitchboardError extends Error {
  readonly code: SwitchboardErrorCode;
  /** The argument or header the error is about, when the server named one. */
  readonly target: string | undefined;

  constructor(code: SwitchboardErrorCode, message: string, target?: string) {
    super(message);
    this.name = 'SwitchboardError';
    this.code = code;
    this.target = target;
  }
}
