import { describe, expect, it } from 'vitest';
import { runCli, startServerProcess } from './support/server-process.ts';

describe('switchboard serve', () => {
  it('refuses to start on a non-loopback host without an access key, with exit code 2', async () => {
    const { code, stdout, stderr } = await runCli(['serve', '--port', '0', '--host', '0.0.0.0'], { SWITCHBOARD_ACCESS_KEY: '' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an access key/);
  });

  it('refuses a malformed access key and bad options with exit code 2', async () => {
    expect((await runCli(['serve', '--port', '0', '--access-key', 'not base64!'])).code).toBe(2);
    expect((await runCli(['serve', '--port', 'eighty'])).code).toBe(2);
    expect((await runCli(['serve', '--no-such-option'])).code).toBe(2);
  });

  it('--help explains every option', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const option of ['--port', '--host', '--access-key', '--max-body-bytes', '--rate-limit', '--help', 'PORT', 'HOST', 'SWITCHBOARD_ACCESS_KEY'])
      expect(stdout).toContain(option);
  });

  it('logs exactly one line with the real port and the loopback-only notice, and exits 0 on SIGINT', async () => {
    const server = await startServerProcess();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:(?!0\b)\d+$/);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
    expect(await server.stop('SIGINT')).toBe(0);
    const { stdout, stderr } = server.output();
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      `switchboard listening on ${server.url}; no access key, so only loopback clients are accepted`,
    ]);
    expect(stderr).toBe('');
  });
});
