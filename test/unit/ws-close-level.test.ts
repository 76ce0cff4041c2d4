import { describe, expect, it } from 'vitest';
import { WS_CLOSE_CODES } from '../../src/gateway/ws/close-codes.ts';
import { wsCloseLevel } from '../../src/observability/logger.ts';

describe('the level of a WebSocket closing line', () => {
  it('is info for a normal close by either side: 1000, 1001 (also the shutdown\'s), 1005', () => {
    for (const closeCode of [1000, WS_CLOSE_CODES.goingAway.code, 1005])
      for (const closedBy of ['client', 'server'] as const) expect(wsCloseLevel({ closeCode, closedBy, errorCode: undefined })).toBe('info');
  });

  it("is warn for the gateway's policy closes, protocol errors, a missed heartbeat, a dropped connection and a client's own code", () => {
    const { tokenExpired, consumerTooSlow, tooManyRequests, messageTooBig } = WS_CLOSE_CODES;
    for (const closeCode of [tokenExpired.code, consumerTooSlow.code, tooManyRequests.code, 1006])
      expect(wsCloseLevel({ closeCode, closedBy: 'server', errorCode: undefined })).toBe('warn');
    expect(wsCloseLevel({ closeCode: messageTooBig.code, closedBy: 'server', errorCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' })).toBe('warn');
    for (const closeCode of [1002, 1006, 1008, 1011, 4000]) expect(wsCloseLevel({ closeCode, closedBy: 'client', errorCode: undefined })).toBe('warn');
  });

  it('is error when the server closed for a fault of its own (1011)', () => {
    expect(wsCloseLevel({ closeCode: WS_CLOSE_CODES.internalError.code, closedBy: 'server', errorCode: undefined })).toBe('error');
  });
});
