import type { Connection } from './connection.ts';
import { WS_CLOSE_CODES } from './close-codes.ts';

/** The longest delay `setTimeout` honours (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A worker token is checked when the connection opens; this keeps it from outliving its expiry on a connection that
 * stays open: at `expiresAt` the connection is closed with 4001 `token expired`, which detaches its worker sessions
 * like any other close. Admin connections (the access key does not expire) are left alone.
 *
 * @param now - the clock the token was verified against
 */
export function closeWhenTokenExpires(connection: Connection, now: () => number): void {
  const { principal } = connection;
  if (principal.kind !== 'worker') return;
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = principal.expiresAt - now();
    if (left <= 0) return connection.close(WS_CLOSE_CODES.tokenExpired);
    timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    // The connection keeps the process alive, not its expiry.
    timer.unref();
  };
  check();
  connection.onClose(() => clearTimeout(timer));
}
