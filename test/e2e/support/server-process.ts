import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LISTENING = /listening on (http:\/\/[^\s;]+)/;
const START_TIMEOUT_MS = 20_000;

/**
 * Every server child still running. A test that times out never reaches the `finally` that stops its server, so
 * whatever is left when the test process exits is killed then rather than left running.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A `switchboard serve` child process on a random loopback port. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>` as the server logged it. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout then stderr. */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Every JSON line the server logged on stderr so far, parsed. */
export function logLines(server: ServerProcess): Array<Record<string, unknown>> {
  return server
    .output()
    .stderr.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs the CLI to completion (for commands that exit by themselves) and returns what it printed. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, SWITCHBOARD_STORE: 'memory', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Starts the real server (`node --import tsx src/cli.ts serve --port 0 --host 127.0.0.1 …extraArgs`) and resolves
 * once it logs where it listens. Rejects with its output if it exits or stays silent first. `onStdout` sees what it
 * prints before then (a standby's waiting line), as it prints it, with the process (to signal one that never listens).
 */
export function startServerProcess(
  extraArgs: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  onStdout?: (stdout: string, child: ChildProcess) => void,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0', '--host', '127.0.0.1', ...extraArgs], {
    cwd: ROOT,
    // In memory unless a test asks for a data directory: servers of parallel tests must not share one.
    env: { ...process.env, PORT: '', HOST: '', SWITCHBOARD_ACCESS_KEY: '', SWITCHBOARD_STORE: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const server = (url: string): ServerProcess => ({
    url,
    child,
    output: () => ({ stdout, stderr }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms\n${stdout}${stderr}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      onStdout?.(stdout, child);
      const url = LISTENING.exec(stdout)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(server(url));
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stdout}${stderr}`));
    });
  });
}
