/**
 * The driver process (`server-driver.ts`) as the server benchmarks run it: against one server's URL, for the given
 * phases, its figures read from its last line.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { DriverFigures, DriverPhase } from './server-driver.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The WebSocket lifecycle load, shared by the driver and by the same load run in process: attached workers, the
 * capacity of each, jobs kept open, and bounds (each run stops at its count or its time, whichever comes first).
 */
export const WS_LOAD = { workers: 8, capacity: 64, inFlight: 384, warmup: 2_000, lifecycles: 40_000, seconds: 10 };

/**
 * The bookkeeping of the WebSocket load, wherever it runs: `create(n)` opens job number n, `start()` opens the first
 * `inFlight`, and each `closed()` opens the next, until `limit` were opened or `seconds` passed; `finished` settles
 * once every opened job is closed (or with the first error given to `fail`).
 */
export class LifecyclePump {
  readonly finished: Promise<{ count: number; seconds: number }>;
  readonly fail: (error: unknown) => void;
  readonly #create: (n: number) => Promise<unknown>;
  readonly #limit: number;
  readonly #started = performance.now();
  readonly #deadline: number;
  #created = 0;
  #closed = 0;
  #finish!: () => void;

  constructor(options: { limit: number; seconds: number; create: (n: number) => Promise<unknown> }) {
    this.#create = options.create;
    this.#limit = options.limit;
    this.#deadline = this.#started + options.seconds * 1000;
    let fail!: (error: unknown) => void;
    const closedAll = new Promise<void>((resolve, reject) => {
      this.#finish = resolve;
      fail = reject;
    });
    this.fail = fail;
    this.finished = closedAll.then(() => ({ count: this.#closed, seconds: (performance.now() - this.#started) / 1000 }));
  }

  start(inFlight: number): void {
    for (let i = 0; i < inFlight; i++) this.#next();
  }

  closed(): void {
    this.#closed++;
    if (this.#closed === this.#created && this.#over()) this.#finish();
    else this.#next();
  }

  #over(): boolean {
    return this.#created >= this.#limit || performance.now() > this.#deadline;
  }

  #next(): void {
    if (this.#over()) return;
    this.#create(++this.#created).catch(this.fail);
  }
}

/** REST's per-client rate limit would otherwise measure itself: 1000 per 10 s by default. */
export const UNLIMITED_RATE = '1000000000';

/** Runs the driver process against the server and returns its last stdout line, parsed. */
export function drive(httpUrl: string, phases: readonly DriverPhase[]): Promise<DriverFigures> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/server-driver.ts', httpUrl, phases.join(',')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined) reject(new Error(`the driver exited with ${code}\n${stdout}`));
      else resolve(JSON.parse(last) as DriverFigures);
    }),
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}
