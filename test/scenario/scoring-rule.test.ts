import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { createRuleEvaluator } from '../../src/rules/evaluator.ts';
import type { RuleEvaluator, RuleInput } from '../../src/rules/rule-evaluator.ts';
import { createJob, offeredJobs, registerWorker } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** A best-worker queue `q` scored by `scoringRule`, and idle workers with the given labels (registered in order). */
async function setupScored(router: Router, mode: Record<string, unknown>, workers: Record<string, Record<string, number | string | boolean>>): Promise<void> {
  await router.upsertDistributionPolicy('dp', { mode: { kind: 'bestWorker', maxConcurrentOffers: 1, ...mode } });
  await router.upsertQueue('q', { distributionPolicyId: 'dp' });
  for (const [workerId, labels] of Object.entries(workers)) await registerWorker(router, workerId, { labels });
}

/** Who holds an offer for `jobId`. */
async function offeredTo(router: Router, workerIds: readonly string[], jobId: string): Promise<string[]> {
  const holders: string[] = [];
  for (const workerId of workerIds) if ((await offeredJobs(router, workerId)).includes(jobId)) holders.push(workerId);
  return holders;
}

const skills = { low: { Skill: 3 }, high: { Skill: 9 }, mid: { Skill: 5 } };

describe('best-worker scoring rules', () => {
  it('an expression scoring rule offers the job to the highest-scoring worker', async () => {
    const { router } = await openTestRouter();
    await setupScored(router, { scoringRule: { kind: 'expression', expression: 'worker.Skill * 10' } }, skills);
    await createJob(router, 'j');
    expect(await offeredTo(router, Object.keys(skills), 'j')).toEqual(['high']);
  });

  it('descendingOrder false offers to the lowest score first; maxConcurrentOffers takes the best few', async () => {
    const { router } = await openTestRouter();
    await setupScored(
      router,
      { maxConcurrentOffers: 2, scoringRule: { kind: 'expression', expression: 'worker.Skill' }, scoringRuleOptions: { descendingOrder: false } },
      skills,
    );
    await createJob(router, 'j');
    expect(await offeredTo(router, Object.keys(skills), 'j')).toEqual(['low', 'mid']);
  });

  it('the rule reads job labels: If(job.Escalated = true, worker.Seniority, 1)', async () => {
    const { router } = await openTestRouter();
    await setupScored(
      router,
      { scoringRule: { kind: 'expression', expression: 'If(job.Escalated = true, worker.Seniority, 10 - worker.Seniority)' } },
      { junior: { Seniority: 1 }, senior: { Seniority: 8 } },
    );
    await createJob(router, 'escalated', { labels: { Escalated: true } });
    expect(await offeredTo(router, ['junior', 'senior'], 'escalated')).toEqual(['senior']);
  });

  it('without jobLabels in scoringParameters the rule does not see the job', async () => {
    const { router } = await openTestRouter();
    await setupScored(
      router,
      {
        scoringRule: { kind: 'expression', expression: 'If(job.Escalated = true, worker.Seniority, 10 - worker.Seniority)' },
        scoringRuleOptions: { scoringParameters: ['workerSelectors'] },
      },
      { junior: { Seniority: 1 }, senior: { Seniority: 8 } },
    );
    await createJob(router, 'escalated', { labels: { Escalated: true } });
    expect(await offeredTo(router, ['junior', 'senior'], 'escalated')).toEqual(['junior']);
  });

  it('a worker whose score fails to evaluate ranks last, even when it has been idle longest', async () => {
    const { router } = await openTestRouter();
    await setupScored(
      router,
      { maxConcurrentOffers: 2, scoringRule: { kind: 'expression', expression: '100 / worker.Divisor' } },
      { broken: { Divisor: 0 }, four: { Divisor: 4 }, five: { Divisor: 5 } },
    );
    await createJob(router, 'j');
    expect(await offeredTo(router, ['broken', 'four', 'five'], 'j')).toEqual(['four', 'five']);
  });

  it('equal scores go to the longest idle worker', async () => {
    const { router, advance } = await openTestRouter();
    await setupScored(router, { scoringRule: { kind: 'static', value: 1 } }, { b: {} });
    await advance(1_000);
    await registerWorker(router, 'a');
    await createJob(router, 'j');
    // `a` would win on id; `b` has been idle a second longer.
    expect(await offeredTo(router, ['a', 'b'], 'j')).toEqual(['b']);
  });

  it('the rule receives Azure\'s payload: job labels, the selectors in force and the worker labels with Id', async () => {
    const inputs: RuleInput[] = [];
    const real = createRuleEvaluator();
    const recording: RuleEvaluator = {
      evaluate(rule, input) {
        if (input.worker !== undefined) inputs.push(input);
        return real.evaluate(rule, input);
      },
    };
    const { router } = await openTestRouter({ ruleEvaluator: recording });
    await setupScored(router, { scoringRule: { kind: 'expression', expression: 'worker.Skill' } }, { only: { Skill: 1 } });
    await createJob(router, 'j', { labels: { Lang: 'en' }, requestedWorkerSelectors: [{ key: 'Skill', labelOperator: 'greaterThan', value: 0 }] });
    expect(inputs).toEqual([
      { job: { Lang: 'en' }, selectors: [{ key: 'Skill', labelOperator: 'greaterThan', value: 0 }], worker: { Skill: 1, Id: 'only' } },
    ]);
  });

  it('refuses a directMap scoring rule: it gives selectors, not a score', async () => {
    const { router } = await openTestRouter();
    for (const scoringRule of [{ kind: 'directMap' }]) {
      const error = await expectRefusal(router.upsertDistributionPolicy('dp', { mode: { kind: 'bestWorker', scoringRule } }), 'InvalidRequest');
      expect(error.target).toBe('mode.scoringRule.kind');
    }
  });
});
