/**
 * The config file through the real command: settings taken from it, overridden by environment and options, refused
 * as a whole when anything in it is wrong; and docs/configuration.md naming every setting `--help` names.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileSchema } from '../../src/config/config-file.ts';
import { runCli, startServerProcess } from './support/server-process.ts';
import { API_VERSION } from './support/rest-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function putQueueStatus(url: string, bodyBytes: number): Promise<number> {
  // Padded with JSON whitespace to the size wanted.
  const body = JSON.stringify({ name: 'q' }).padEnd(bodyBytes, ' ');
  const response = await fetch(new URL(`/routing/queues/q?api-version=${API_VERSION}`, url), {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('switchboard serve --config', () => {
  it('takes settings from the file, and an environment variable overrides the file', async () => {
    const path = configFile('small-bodies.json', { maxBodyBytes: 300, logLevel: 'warn' });
    const fromFile = await startServerProcess(['--config', path]);
    const overridden = await startServerProcess([], { SWITCHBOARD_CONFIG: path, SWITCHBOARD_MAX_BODY_BYTES: '5000' });
    try {
      expect(await putQueueStatus(fromFile.url, 1000)).toBe(413);
      expect(await putQueueStatus(fromFile.url, 100)).toBe(201);
      expect(await putQueueStatus(overridden.url, 1000)).toBe(201);
    } finally {
      await Promise.all([fromFile.stop(), overridden.stop()]);
    }
    // logLevel "warn" from the file: a clean run logs nothing at info.
    expect(fromFile.output().stderr).toBe('');
  });

  describe('refuses a file it cannot use, before starting, with exit code 2', () => {
    let runs: Record<string, Awaited<ReturnType<typeof runCli>>>;
    beforeAll(async () => {
      const cases = {
        missing: join(dir, 'absent.json'),
        notJson: configFile('broken.json', '{"port": 80,'),
        unknownKey: configFile('typo.json', { dataDr: 'data' }),
        wrongType: configFile('types.json', { port: '8080', ws: { heartbeatMs: -1 } }),
        badEnum: configFile('store.json', { store: 'mysql' }),
      };
      const entries = await Promise.all(
        Object.entries(cases).map(async ([name, path]) => [name, await runCli(['serve', '--port', '0', '--config', path])] as const),
      );
      runs = Object.fromEntries(entries);
    });

    it('names the file and what is wrong', () => {
      for (const run of Object.values(runs)) expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(runs['missing']!.stderr).toMatch(/cannot read the config file .*absent\.json: ENOENT/);
      expect(runs['notJson']!.stderr).toMatch(/broken\.json is not valid JSON/);
      expect(runs['unknownKey']!.stderr).toMatch(/typo\.json is not valid: .*dataDr/);
      expect(runs['wrongType']!.stderr).toMatch(/port: .*number/);
      expect(runs['wrongType']!.stderr).toMatch(/ws\.heartbeatMs: /);
      expect(runs['badEnum']!.stderr).toMatch(/store: /);
    });
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  let help: string;
  beforeAll(async () => {
    // The settings of `serve`: what the help says before the other commands' usage.
    help = (await runCli(['--help'])).stdout.split('Usage: switchboard machines')[0]!;
  });

  it('lists every option and environment variable --help names, and each option has its config key', () => {
    const options = [...new Set(help.match(/--[a-z][a-z-]+/g))].filter((option) => option !== '--help');
    const variables = [...new Set(help.match(/\b(?:SWITCHBOARD_[A-Z_]+|PORT|HOST)\b/g))];
    const keys = Object.keys(ConfigFileSchema.shape);
    expect(options.length).toBeGreaterThan(10);
    for (const option of options) {
      expect(doc, option).toContain(`| \`${option}\` |`);
      if (option === '--config') continue;
      const key = option.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
      expect(keys, option).toContain(key);
    }
    for (const variable of variables) expect(doc, variable).toContain(`\`${variable}\``);
    for (const key of keys.filter((key) => key !== 'ws')) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
