import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess } from './support/server-process.ts';

type Run = Awaited<ReturnType<typeof runCli>>;

describe('switchboard serve', () => {
  // The one-shot invocations run side by side: each is a Node start-up, and they do not interfere.
  let nonLoopback: Run, badKey: Run, badPort: Run, badOption: Run, badWsValue: Run, help: Run;
  beforeAll(async () => {
    [nonLoopback, badKey, badPort, badOption, badWsValue, help] = await Promise.all([
      runCli(['serve', '--port', '0', '--host', '0.0.0.0'], { SWITCHBOARD_ACCESS_KEY: '' }),
      runCli(['serve', '--port', '0', '--access-key', 'not base64!']),
      runCli(['serve', '--port', 'eighty']),
      runCli(['serve', '--no-such-option']),
      runCli(['serve', '--port', '0'], { SWITCHBOARD_WS_HEARTBEAT_MS: 'soon' }),
      runCli(['--help']),
    ]);
  });

  it('refuses to start on a non-loopback host without an access key, with exit code 2', () => {
    expect(nonLoopback.code).toBe(2);
    expect(nonLoopback.stdout).toBe('');
    expect(nonLoopback.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an access key/);
  });

  it('refuses a malformed access key and bad options with exit code 2', () => {
    expect(badKey).toMatchObject({ code: 2, stderr: expect.stringMatching(/canonical base64/) });
    expect(badPort).toMatchObject({ code: 2, stderr: expect.stringMatching(/--port must be/) });
    expect(badOption).toMatchObject({ code: 2, stderr: expect.stringMatching(/--no-such-option/) });
  });

  it('regression: a bad SWITCHBOARD_WS_* value is a configuration error, exit code 2 (it was 1)', () => {
    expect(badWsValue).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/SWITCHBOARD_WS_HEARTBEAT_MS must be a positive integer/) });
  });

  it('--help explains every option', () => {
    expect(help.code).toBe(0);
    for (const option of [
      '--port', '--host', '--access-key', '--max-body-bytes', '--rate-limit', '--help', 'PORT', 'HOST', 'SWITCHBOARD_ACCESS_KEY',
      '--store', '--data-dir', '--sync', '--event-retention', '--event-max-age', 'SWITCHBOARD_STORE', 'SWITCHBOARD_DATA_DIR',
      'SWITCHBOARD_SYNC', 'SWITCHBOARD_EVENT_RETENTION', 'SWITCHBOARD_EVENT_MAX_AGE', 'switchboard backup', '--log-level',
      'SWITCHBOARD_LOG_LEVEL',
    ])
      expect(help.stdout).toContain(option);
  });

  it('logs exactly one line with the real port and the loopback-only notice, and exits 0 on SIGINT', async () => {
    const server = await startServerProcess();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:(?!0\b)\d+$/);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
    expect(await server.stop('SIGINT')).toBe(0);
    const { stdout, stderr } = server.output();
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      `switchboard listening on ${server.url}; state in memory only (lost when the server stops); no access key, so only loopback clients are accepted`,
    ]);
    // stderr is the structured log: JSON lines only, and nothing amiss in them.
    const levels = stderr.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((level) => level === 'info' || level === 'debug')).toBe(true);
  });
});
