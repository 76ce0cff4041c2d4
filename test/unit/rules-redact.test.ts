import { describe, expect, it } from 'vitest';
import type { ClassificationPolicy } from '../../src/protocol/classification-policy.schemas.ts';
import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { RouterRule } from '../../src/protocol/rules.schemas.ts';
import { redactClassificationPolicy, redactDistributionPolicy, redactRule } from '../../src/rules/redact.ts';

const SECRETS = ['fn-key-secret', 'app-key-secret', 'client-secret-value'];

const functionWithKey: RouterRule = {
  kind: 'function',
  functionUri: 'https://fn.example/api/priority',
  credential: { functionKey: 'fn-key-secret' },
};
const functionWithAppKey: RouterRule = {
  kind: 'function',
  functionUri: 'https://fn.example/api/priority',
  credential: { appKey: 'app-key-secret', clientId: 'router' },
};
const webhook: RouterRule = {
  kind: 'webhook',
  webhookUri: 'https://hook.example/score',
  authorizationServerUri: 'https://login.example/token',
  clientCredential: { clientId: 'router-app', clientSecret: 'client-secret-value' },
};

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('redactRule', () => {
  it('drops a function key, and the credential it leaves empty', () => {
    expect(redactRule(functionWithKey)).toEqual({ kind: 'function', functionUri: 'https://fn.example/api/priority' });
  });

  it('drops an app key but keeps the clientId naming it', () => {
    expect(redactRule(functionWithAppKey)).toEqual({
      kind: 'function',
      functionUri: 'https://fn.example/api/priority',
      credential: { clientId: 'router' },
    });
  });

  it("drops a webhook's client secret but keeps its client id and URIs", () => {
    expect(redactRule(webhook)).toEqual({
      kind: 'webhook',
      webhookUri: 'https://hook.example/score',
      authorizationServerUri: 'https://login.example/token',
      clientCredential: { clientId: 'router-app' },
    });
  });

  it('leaves the stored rule untouched, since evaluation still needs the secrets', () => {
    const stored = structuredClone(webhook);
    redactRule(stored);
    expect(stored).toEqual(webhook);
  });

  it.each<RouterRule>([
    { kind: 'static', value: 5 },
    { kind: 'expression', language: 'powerFx', expression: 'job.A = 1' },
    { kind: 'directMap' },
    { kind: 'function', functionUri: 'https://fn.example/api' },
  ])('returns a rule without secrets as it is (%j)', (rule) => {
    expect(redactRule(rule)).toBe(rule);
  });
});

describe('redactClassificationPolicy', () => {
  const policy: ClassificationPolicy = {
    etag: 'e1',
    id: 'policy-1',
    fallbackQueueId: 'fallback',
    prioritizationRule: functionWithKey,
    queueSelectorAttachments: [
      { kind: 'conditional', condition: functionWithAppKey, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'q1' }] },
      { kind: 'ruleEngine', rule: webhook },
      { kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'q2' } },
    ],
    workerSelectorAttachments: [
      { kind: 'ruleEngine', rule: functionWithKey },
      { kind: 'conditional', condition: webhook, workerSelectors: [] },
      { kind: 'passThrough', key: 'Language', labelOperator: 'equal' },
    ],
  };

  it('strips every secret: prioritization rule, conditions and rule engines of both attachment lists', () => {
    const rendered = redactClassificationPolicy(policy);
    expectNoSecrets(rendered);
    expect(rendered.queueSelectorAttachments[0]).toMatchObject({ condition: { credential: { clientId: 'router' } } });
    expect(rendered.workerSelectorAttachments[1]).toMatchObject({ condition: { clientCredential: { clientId: 'router-app' } } });
  });

  it('keeps everything that is not a secret', () => {
    const rendered = redactClassificationPolicy(policy);
    expect(rendered).toMatchObject({ etag: 'e1', id: 'policy-1', fallbackQueueId: 'fallback' });
    expect(rendered.queueSelectorAttachments[2]).toBe(policy.queueSelectorAttachments[2]);
    expect(rendered.workerSelectorAttachments[2]).toBe(policy.workerSelectorAttachments[2]);
  });

  it('does not touch the stored policy', () => {
    const stored = structuredClone(policy);
    redactClassificationPolicy(stored);
    expect(stored).toEqual(policy);
  });

  it('adds no fields a policy did not have', () => {
    const bare: ClassificationPolicy = { etag: 'e', id: 'bare', queueSelectorAttachments: [], workerSelectorAttachments: [] };
    expect(Object.keys(redactClassificationPolicy(bare)).sort()).toEqual(Object.keys(bare).sort());
  });
});

describe('redactDistributionPolicy', () => {
  const base = { minConcurrentOffers: 1, maxConcurrentOffers: 1, bypassSelectors: false };

  it("strips the best-worker scoring rule's secret", () => {
    const policy: DistributionPolicy = {
      etag: 'e',
      id: 'best',
      offerExpiresAfterSeconds: 60,
      mode: { kind: 'bestWorker', ...base, scoringRule: webhook },
    };
    const rendered = redactDistributionPolicy(policy);
    expectNoSecrets(rendered);
    expect(rendered).toMatchObject({ offerExpiresAfterSeconds: 60, mode: { kind: 'bestWorker', scoringRule: { webhookUri: 'https://hook.example/score' } } });
  });

  it('returns policies without a scoring rule as they are', () => {
    const idle: DistributionPolicy = { etag: 'e', id: 'idle', mode: { kind: 'longestIdle', ...base } };
    expect(redactDistributionPolicy(idle)).toBe(idle);
    const best: DistributionPolicy = { etag: 'e', id: 'best', mode: { kind: 'bestWorker', ...base } };
    expect(redactDistributionPolicy(best)).toBe(best);
  });
});
