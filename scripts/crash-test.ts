/**
 * `npm run crash-test -- --trials N [--seed S]`: N crash trials (test/crash/trial.ts), seeds S, S+1, …, one after
 * another. Prints a line per trial and every finding, and as its last line the JSON summary
 * `{"trials":N,"lostAcknowledged":0,"invariantViolations":0}`. Exits 1 when anything was found. docs/crash-testing.md
 * says what each check holds the server to.
 */
import { parseArgs } from 'node:util';
import { runTrial, summarize, type TrialResult } from '../test/crash/trial.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, seed: { type: 'string' } } });
const trials = Number(values.trials);
const firstSeed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!Number.isSafeInteger(trials) || trials < 1 || !Number.isSafeInteger(firstSeed) || firstSeed < 0) {
  process.stderr.write('usage: npm run crash-test -- --trials <n ≥ 1> [--seed <n ≥ 0>]\n');
  process.exit(2);
}

const results: TrialResult[] = [];
for (let i = 0; i < trials; i++) {
  const result = await runTrial(firstSeed + i);
  results.push(result);
  process.stdout.write(
    `trial ${i + 1}/${trials} seed ${result.seed}: ${result.acknowledged} acknowledged, ${result.events} events, ` +
      `${result.deadlinesChecked} deadlines checked, ${result.findings.length} findings\n`,
  );
  for (const finding of result.findings) process.stdout.write(`  ${finding.kind} [${finding.check}] ${finding.message}\n`);
}
const summary = summarize(results);
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(summary.lostAcknowledged + summary.invariantViolations === 0 ? 0 : 1);
