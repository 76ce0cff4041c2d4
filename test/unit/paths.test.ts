/**
 * `switchboard paths`: the table from machine events to client steps is complete (a new machine event fails here
 * until it is mapped), the document has its documented shape, and the command refuses what it does not know.
 */
import { describe, expect, it } from 'vitest';
import { exportMachine } from '../../src/console/machine-definitions.ts';
import { PATH_MACHINES } from '../../src/paths/client-operations.ts';
import { machinePaths, PATH_MACHINE_NAMES } from '../../src/paths/machine-paths.ts';
import { MachinePathsSchema } from '../../src/paths/paths.schemas.ts';
import { runCli } from '../e2e/support/server-process.ts';

describe('the client steps table', () => {
  for (const name of PATH_MACHINE_NAMES) {
    const { machine, operations } = PATH_MACHINES[name];

    it(`maps every event of the ${name} machine to a client step`, () => {
      const mapped = new Set<string>(operations.flatMap((operation) => operation.causes));
      expect(exportMachine(machine).events.filter((event) => !mapped.has(event)), 'events no step causes').toEqual([]);
    });

    it(`names the ${name} machine's steps uniquely`, () => {
      const labels = operations.map((operation) => operation.label);
      expect(labels.filter((label, i) => labels.indexOf(label) !== i)).toEqual([]);
    });
  }
});

describe('the paths document', () => {
  for (const name of PATH_MACHINE_NAMES) {
    it(`of the ${name} machine has the documented shape, reaches every state but the passing ones, and ends each path where its last step leaves it`, () => {
      const document = MachinePathsSchema.parse(machinePaths(name));
      expect(document.machine).toBe(name);
      for (const path of document.paths) expect(path.target).toBe(path.steps.at(-1)!.state);
      const reached = new Set([document.initial, ...document.paths.flatMap((path) => path.steps.map((step) => step.state))]);
      // States a client never sees: the router leaves them within the command that entered them.
      const passing = new Set(['pendingClassification', 'pendingSchedule']);
      const states = Object.keys(PATH_MACHINES[name].machine.root.states).filter((state) => !passing.has(state));
      expect(states.filter((state) => !reached.has(state))).toEqual([]);
    });
  }

  it('is the same every time it is generated', () => {
    expect(JSON.stringify(machinePaths('job'))).toBe(JSON.stringify(machinePaths('job')));
  });
});

describe('switchboard paths', () => {
  it('prints the JSON document with --json, and readable steps without', async () => {
    const json = await runCli(['paths', '--machine', 'offer', '--json']);
    expect(json.code).toBe(0);
    expect(MachinePathsSchema.parse(JSON.parse(json.stdout))).toEqual(machinePaths('offer'));
    const text = await runCli(['paths', '--machine', 'offer']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('1. acceptJobOffer {"workerId":"$workerId","offerId":"$offerId"}: accept the offer  ⇒ accepted');
  });

  it('refuses an unknown machine, or none, with a message and exit code 2', async () => {
    const unknown = await runCli(['paths', '--machine', 'queue']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('unknown machine "queue" for paths: one of job, offer, worker');
    const missing = await runCli(['paths']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('paths needs --machine');
  });
});
