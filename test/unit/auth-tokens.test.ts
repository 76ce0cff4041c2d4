import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BEARER_FAILURE_REASONS,
  issueWorkerToken,
  readBearerToken,
  verifyBearer,
} from '../../src/auth/tokens.ts';

const KEY = Buffer.from('switchboard test access key, 32b').toString('base64');
const OTHER_KEY = Buffer.from('another access key of 32 bytes!!').toString('base64');
const NOW = Date.parse('2024-05-06T07:08:09.000Z');
const HOUR = 3_600_000;

function token(workerId = 'worker-a', expiresAt = NOW + HOUR, accessKey = KEY): string {
  return issueWorkerToken({ workerId, accessKey, expiresAt });
}

/** Independent oracle for the documented format, so a silent format change fails here. */
function documentedMac(accessKey: string, signed: string): string {
  const key = createHmac('sha256', Buffer.from(accessKey, 'base64')).update('switchboard worker token v1').digest();
  return createHmac('sha256', key).update(signed).digest('base64url');
}

/** A token correctly signed under KEY around an arbitrary payload text. */
function forge(payloadText: string): string {
  const signed = `sbw1.${Buffer.from(payloadText).toString('base64url')}`;
  return `${signed}.${documentedMac(KEY, signed)}`;
}

describe('worker tokens', () => {
  it('round-trip to a worker principal until they expire', () => {
    expect(verifyBearer(token(), KEY, NOW)).toEqual({ ok: true, principal: { kind: 'worker', workerId: 'worker-a', expiresAt: NOW + HOUR } });
    expect(verifyBearer(token(), KEY, NOW + HOUR - 1)).toMatchObject({ ok: true });
  });

  it('carry any worker id, including dots and non-ASCII text', () => {
    const workerId = 'agent.émile/42 😀';
    expect(verifyBearer(token(workerId), KEY, NOW)).toEqual({ ok: true, principal: { kind: 'worker', workerId, expiresAt: NOW + HOUR } });
  });

  it('follow the documented format sbw1.<base64url {w, exp}>.<base64url HMAC>', () => {
    const [prefix, payload, mac] = token().split('.');
    expect(prefix).toBe('sbw1');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toEqual({ w: 'worker-a', exp: NOW + HOUR });
    expect(mac).toBe(documentedMac(KEY, `sbw1.${payload}`));
  });

  it('are refused at and after their expiry: expired', () => {
    expect(verifyBearer(token(), KEY, NOW + HOUR)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyBearer(token(), KEY, NOW + 2 * HOUR)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are refused under another access key, which is how rotating the key revokes them: badSignature', () => {
    expect(verifyBearer(token(), OTHER_KEY, NOW)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('are refused when the payload is swapped for another worker or a later expiry: badSignature', () => {
    const [, , mac] = token().split('.');
    const otherWorker = Buffer.from(JSON.stringify({ w: 'worker-b', exp: NOW + HOUR })).toString('base64url');
    const longer = Buffer.from(JSON.stringify({ w: 'worker-a', exp: NOW + 1000 * HOUR })).toString('base64url');
    expect(verifyBearer(`sbw1.${otherWorker}.${mac}`, KEY, NOW)).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyBearer(`sbw1.${longer}.${mac}`, KEY, NOW)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('are refused when the MAC is altered: badSignature', () => {
    const issued = token();
    const last = issued.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyBearer(issued.slice(0, -1) + last, KEY, NOW)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it.each([
    ['an empty token', ''],
    ['a prefix alone', 'sbw1.'],
    ['no MAC', `sbw1.${token().split('.')[1]}`],
    ['an extra part', `${token()}.x`],
    ['a short MAC', token().slice(0, -1)],
    ['a padded MAC', `${token()}=`],
    ['base64 (not base64url) characters', `sbw1.a+b/.${'A'.repeat(43)}`],
    ['an oversized token', `sbw1.${'a'.repeat(5000)}.${'A'.repeat(43)}`],
  ])('with %s are malformed', (_, bearer) => {
    expect(verifyBearer(bearer, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    ['not JSON', 'not json'],
    ['no worker id', JSON.stringify({ exp: NOW + HOUR })],
    ['an empty worker id', JSON.stringify({ w: '', exp: NOW + HOUR })],
    ['a numeric worker id', JSON.stringify({ w: 7, exp: NOW + HOUR })],
    ['a string expiry', JSON.stringify({ w: 'worker-a', exp: String(NOW + HOUR) })],
    ['null', 'null'],
  ])('with a correctly signed payload holding %s are malformed', (_, payloadText) => {
    expect(verifyBearer(forge(payloadText), KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse to be issued for an empty worker or a non-finite expiry', () => {
    expect(() => token('')).toThrow(RangeError);
    expect(() => token('worker-a', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('the admin key as bearer', () => {
  it('authenticates as admin', () => {
    expect(verifyBearer(KEY, KEY, NOW)).toEqual({ ok: true, principal: { kind: 'admin' } });
  });

  it.each([
    ['another key of the same length', OTHER_KEY],
    ['a prefix of the key', KEY.slice(0, -4)],
    ['the key with a suffix', `${KEY}AAAA`],
    ['the decoded key', Buffer.from(KEY, 'base64').toString('utf8')],
  ])('refuses %s: badSignature', (_, bearer) => {
    expect(verifyBearer(bearer, KEY, NOW)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('only ever gives reasons from the published set', () => {
    expect(BEARER_FAILURE_REASONS).toEqual(['malformed', 'badSignature', 'expired']);
  });
});

describe('readBearerToken', () => {
  it('extracts the token of a Bearer header, scheme case-insensitive', () => {
    expect(readBearerToken(`Bearer ${KEY}`)).toBe(KEY);
    expect(readBearerToken(`bearer  ${KEY}`)).toBe(KEY);
  });

  it('gives nothing for other schemes, absent headers, or several tokens', () => {
    expect(readBearerToken(undefined)).toBeUndefined();
    expect(readBearerToken('HMAC-SHA256 SignedHeaders=x&Signature=y')).toBeUndefined();
    expect(readBearerToken('Bearer')).toBeUndefined();
    expect(readBearerToken('Bearer a b')).toBeUndefined();
  });
});
