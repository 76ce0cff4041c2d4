import { createHmac } from 'node:crypto';

/**
 * Signs a delivery as Standard Webhooks does (standardwebhooks.com, the scheme of Svix and others): the
 * `webhook-signature` header is `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed
 * with the bytes of the `whsec_` secret. Receivers verify with any Standard Webhooks library and reject stale
 * timestamps to stop replays.
 */
export function signatureHeaders(secret: string, messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': messageId, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}
