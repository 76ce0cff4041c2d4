import { describe, expect, it } from 'vitest';
import { RouterError } from '../../src/errors.ts';
import type { RouterRule } from '../../src/protocol/rules.schemas.ts';
import { validateRule } from '../../src/rules/validate-rules.ts';

function refusalOf(rule: RouterRule): RouterError {
  try {
    validateRule(rule, 'prioritizationRule');
  } catch (error) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(rule)} was accepted`);
}

describe('validateRule accepts rules that can run', () => {
  it.each<RouterRule>([
    { kind: 'static', value: 1 },
    { kind: 'directMap' },
    { kind: 'expression', language: 'powerFx', expression: 'If(job.A = 1, 10, 1)' },
    { kind: 'function', functionUri: 'https://fn.example/api/p', credential: { functionKey: 'k' } },
    { kind: 'webhook', webhookUri: 'http://hook.example/score' },
    {
      kind: 'webhook',
      webhookUri: 'https://hook.example/score',
      authorizationServerUri: 'https://login.example/token',
      clientCredential: { clientId: 'c', clientSecret: 's' },
    },
  ])('%j', (rule) => {
    expect(() => validateRule(rule, 'prioritizationRule')).not.toThrow();
  });
});

describe('validateRule refuses, when the policy is saved, rules that could never run', () => {
  it('an expression that does not parse, with the position', () => {
    const error = refusalOf({ kind: 'expression', language: 'powerFx', expression: 'If(job.A = 1, 10' });
    expect(error.code).toBe('InvalidExpression');
    expect(error.target).toBe('prioritizationRule.expression');
    expect(error.message).toMatch(/position/);
  });

  it('a webhook without webhookUri', () => {
    const error = refusalOf({ kind: 'webhook', authorizationServerUri: 'https://login.example/token' });
    expect(error).toMatchObject({ code: 'InvalidRequest', target: 'prioritizationRule.webhookUri' });
  });

  it('client credentials with no authorization server to send them to', () => {
    const error = refusalOf({ kind: 'webhook', webhookUri: 'https://hook.example', clientCredential: { clientId: 'c', clientSecret: 's' } });
    expect(error).toMatchObject({ code: 'InvalidRequest', target: 'prioritizationRule.authorizationServerUri' });
    expect(error.message).not.toContain('"s"');
  });

  it.each<[RouterRule, string]>([
    [{ kind: 'function', functionUri: 'ftp://fn.example/p' }, 'prioritizationRule.functionUri'],
    [{ kind: 'webhook', webhookUri: 'file:///etc/passwd' }, 'prioritizationRule.webhookUri'],
    [{ kind: 'webhook', webhookUri: 'https://hook.example', authorizationServerUri: 'mailto:x@example.com' }, 'prioritizationRule.authorizationServerUri'],
  ])('a URI that is not http(s): %j', (rule, target) => {
    expect(refusalOf(rule)).toMatchObject({ code: 'InvalidRequest', target });
  });
});
