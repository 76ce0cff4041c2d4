/**
 * The close codes the WebSocket gateway sends, with why. `docs/protocol.md` lists them from this table, so a client
 * author finds every code in one place.
 *
 * @module
 */

import { THROTTLED_BEFORE_CLOSE, THROTTLED_FORGIVEN_PER_ALLOWED } from '../rate-limit.ts';

/** Every close code the gateway sends, by name: the code, the reason sent with it, and what it means. */
export const WS_CLOSE_CODES = {
  goingAway: {
    code: 1001,
    reason: 'server shutting down',
    meaning:
      'The server is shutting down. Every request received before the shutdown began was answered first; one without an ' +
      'answer was not processed. Reconnect later; resume the event feed from the last `sequenceNumber` received.',
  },
  messageTooBig: {
    code: 1009,
    reason: '',
    meaning: 'A message exceeded the size limit (default 1 MiB); sent without a reason. Nothing of that message was processed.',
  },
  internalError: {
    code: 1011,
    reason: 'internal error',
    meaning: 'An event replay failed half-way; the connection is closed rather than leave a gap. Reconnect and resume.',
  },
  tokenExpired: {
    code: 4001,
    reason: 'token expired',
    meaning:
      'The worker token that opened the connection expired. Its worker sessions are detached (a session attached ' +
      'with `deregisterOnDisconnect` deregisters the worker after its grace period). Reconnect with a fresh token ' +
      'and attach again.',
  },
  consumerTooSlow: {
    code: 4008,
    reason: 'consumer too slow',
    meaning:
      'The client read too slowly: what the server had queued for it passed the high-water mark (default 8 MiB). ' +
      'Closing bounds the server\'s memory. Reconnect and resume from the last `sequenceNumber` received.',
  },
  tooManyRequests: {
    code: 4029,
    reason: 'too many requests',
    meaning:
      `The client kept sending while throttled: ${THROTTLED_BEFORE_CLOSE} more requests were refused with ` +
      `\`ThrottleLimitExceeded\` (each says how long to wait) than its allowed requests forgave, ` +
      `${THROTTLED_FORGIVEN_PER_ALLOWED} each. Reconnect after that delay and respect it.`,
  },
} as const satisfies Record<string, { code: number; reason: string; meaning: string }>;
