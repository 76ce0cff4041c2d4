import { describe, expect, it } from 'vitest';
import type { RouterRule } from '../../src/protocol/rules.schemas.ts';
import { createRuleEvaluator } from '../../src/rules/evaluator.ts';
import { rulePayload } from '../../src/rules/http-rules.ts';
import type { RuleInput, RuleOutcome } from '../../src/rules/rule-evaluator.ts';

const evaluator = createRuleEvaluator({
  fetch: () => Promise.reject(new Error('local rules must not touch the network')),
});

/** Local rule kinds answer synchronously; a promise here would be a regression in how classification awaits. */
function evaluateNow(rule: RouterRule, input: RuleInput = {}): RuleOutcome {
  const outcome = evaluator.evaluate(rule, input);
  if (outcome instanceof Promise) throw new Error(`${rule.kind} answered asynchronously`);
  return outcome;
}

describe('static rules', () => {
  it.each([10, 'queue-1', true, 0, false])('answer their value %j', (value) => {
    expect(evaluateNow({ kind: 'static', value })).toEqual({ ok: true, value });
  });

  it('answer null when they have no value', () => {
    expect(evaluateNow({ kind: 'static' })).toEqual({ ok: true, value: null });
  });
});

describe('expression rules', () => {
  const escalation: RouterRule = { kind: 'expression', language: 'powerFx', expression: 'If(job.Escalated = true, 10, 1)' };

  it('evaluate PowerFx against the job labels', () => {
    expect(evaluateNow(escalation, { job: { Escalated: true } })).toEqual({ ok: true, value: 10 });
    expect(evaluateNow(escalation, { job: { Escalated: false } })).toEqual({ ok: true, value: 1 });
  });

  it('read worker labels for scoring', () => {
    const rule: RouterRule = { kind: 'expression', language: 'powerFx', expression: 'If(worker.HandleEscalation = true, 100, 1)' };
    expect(evaluateNow(rule, { job: {}, worker: { HandleEscalation: true } })).toEqual({ ok: true, value: 100 });
  });

  it('treat a missing context as blank labels', () => {
    expect(evaluateNow(escalation)).toEqual({ ok: true, value: 1 });
  });

  it('turn a runtime error into ExpressionFailed', () => {
    const rule: RouterRule = { kind: 'expression', language: 'powerFx', expression: 'Value(job.Tier) * 2' };
    const outcome = evaluateNow(rule, { job: { Tier: 'gold' } });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ExpressionFailed' } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/Cannot convert "gold" to a number/);
  });

  it('turn a syntax error (a rule stored without validation) into ExpressionFailed instead of throwing', () => {
    const outcome = evaluateNow({ kind: 'expression', language: 'powerFx', expression: 'If(job.A = 1, 2' });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ExpressionFailed' } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/position/);
  });

  it('give the same answers when evaluated again from the compiled cache', () => {
    for (let i = 0; i < 3; i++) expect(evaluateNow(escalation, { job: { Escalated: true } })).toEqual({ ok: true, value: 10 });
  });
});

describe('directMap rules', () => {
  it('turn every job label into an equal selector with the same key and value', () => {
    expect(evaluateNow({ kind: 'directMap' }, { job: { Language: 'en', Tier: 2, Vip: true } })).toEqual({
      ok: true,
      value: [
        { key: 'Language', labelOperator: 'equal', value: 'en' },
        { key: 'Tier', labelOperator: 'equal', value: 2 },
        { key: 'Vip', labelOperator: 'equal', value: true },
      ],
    });
  });

  it('answer no selectors for a job without labels', () => {
    expect(evaluateNow({ kind: 'directMap' })).toEqual({ ok: true, value: [] });
  });
});

describe('rules that cannot run', () => {
  it('fail with RuleMisconfigured for a kind the schemas do not know, from an untyped caller', () => {
    const rule = { kind: 'javascript' } as unknown as RouterRule;
    expect(evaluateNow(rule)).toMatchObject({ ok: false, error: { code: 'RuleMisconfigured' } });
  });

  it('fail with RuleMisconfigured for a webhook without webhookUri, without any request', async () => {
    await expect(evaluator.evaluate({ kind: 'webhook' }, { job: {} })).resolves.toMatchObject({
      ok: false,
      error: { code: 'RuleMisconfigured' },
    });
  });

  it('fail with RuleNetworkError, not an exception, when the HTTP client throws synchronously', async () => {
    const throwing = createRuleEvaluator({
      fetch: () => {
        throw new TypeError('boom with secret-key in it');
      },
    });
    const outcome = await throwing.evaluate({ kind: 'function', functionUri: 'http://127.0.0.1:9/f' }, { job: {} });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleNetworkError' } });
    expect(JSON.stringify(outcome)).not.toContain('secret-key');
  });

  it('fail with RuleInternalError, not an exception, when reading the rule itself throws', () => {
    const hostile = {
      get kind(): never {
        throw new Error('getter');
      },
    } as unknown as RouterRule;
    expect(evaluateNow(hostile)).toMatchObject({ ok: false, error: { code: 'RuleInternalError' } });
  });
});

describe('the payload sent to function and webhook rules', () => {
  it('is {"job": labels} for classification', () => {
    expect(JSON.parse(rulePayload({ job: { Urgent: true, Product: 'O365' } }))).toEqual({ job: { Urgent: true, Product: 'O365' } });
  });

  it('carries job, selectors and worker for scoring, selectors spelled as Azure sends them', () => {
    const payload = rulePayload({
      job: { Language: 'en' },
      selectors: [
        { key: 'English', labelOperator: 'greaterThanOrEqual', value: 7 },
        { key: 'ChatSupport', labelOperator: 'equal', value: true, expiresAfterSeconds: 30, expedite: true },
      ],
      worker: { Id: 'w1', English: 10 },
    });
    expect(JSON.parse(payload)).toEqual({
      job: { Language: 'en' },
      selectors: [
        { key: 'English', operator: 'GreaterThanOrEqual', value: 7, expiresAfterSeconds: null },
        { key: 'ChatSupport', operator: 'Equal', value: true, expiresAfterSeconds: 30 },
      ],
      worker: { Id: 'w1', English: 10 },
    });
  });

  it('carries workers instead of worker for batch scoring', () => {
    expect(JSON.parse(rulePayload({ job: {}, workers: [{ Id: 'a' }, { Id: 'b' }] }))).toEqual({
      job: {},
      workers: [{ Id: 'a' }, { Id: 'b' }],
    });
  });
});

describe('createRuleEvaluator', () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a timeoutMs or maxResponseBytes of %d at creation', (bad) => {
    expect(() => createRuleEvaluator({ timeoutMs: bad })).toThrow(RangeError);
    expect(() => createRuleEvaluator({ maxResponseBytes: bad })).toThrow(RangeError);
  });
});
