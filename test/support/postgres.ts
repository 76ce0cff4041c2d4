/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary directory, a server on
 * 127.0.0.1 and a free port (its unix socket in the same directory, so it never touches /run/postgresql), one fresh
 * database per `createDatabase`, and everything stopped and removed by `stop`. As root the cluster runs as the
 * `postgres` user (or `nobody`), because initdb refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

export interface PostgresCluster {
  /** `postgres://…` of the maintenance database. */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (`immediate`: as on a crash, without a checkpoint) and leaves the data in place. */
  halt(mode?: 'fast' | 'immediate'): void;
  /** Starts the server again on the same data and port, after `halt`. */
  restart(): void;
  /** Stops the server and removes its directory. */
  stop(): void;
}

/** The directory holding initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin. */
export function findPostgresBinaries(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (existsSync(join(debian, version, 'bin', 'initdb'))) return join(debian, version, 'bin');
  return undefined;
}

/**
 * Why PostgreSQL tests cannot run here, or `undefined` when they can. Under CI they always run (.ci/run installs
 * PostgreSQL), so a missing server fails them there instead of skipping them.
 */
export function postgresUnavailableReason(): string | undefined {
  if (process.env['CI'] === 'true' || findPostgresBinaries() !== undefined) return undefined;
  return 'PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); install it, e.g. apt-get install postgresql';
}

/** The unprivileged account to run the cluster as when this process is root. */
function clusterUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/**
 * Starts a cluster. @throws Error when PostgreSQL is not installed (see `postgresUnavailableReason`). `durable: false` (the default) turns
 * fsync off, which tests can afford: what a COMMIT wrote still survives the server being killed, only not a power
 * loss. (`synchronous_commit` stays on: off, a killed server loses acknowledged commits.) A benchmark comparing
 * stores keeps fsync on.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (bin === undefined) throw new Error('PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql/*/bin');
  const user = clusterUser();
  const root = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  const data = join(root, 'data');
  const run = (tool: string, args: string[]) => {
    const command = user ? ['runuser', ['-u', user.name, '--', join(bin, tool), ...args]] as const : [join(bin, tool), args] as const;
    execFileSync(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  };
  const port = await freePort();
  const serverOptions = `-h 127.0.0.1 -p ${port} -k ${root}${options.durable ? '' : ' -c fsync=off'}`;
  try {
    run('initdb', ['-D', data, '-U', 'switchboard', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    writeFileSync(join(root, 'log'), '');
    if (user) chownSync(join(root, 'log'), user.uid, user.gid);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const start = () => run('pg_ctl', ['start', '-w', '-s', '-D', data, '-l', join(root, 'log'), '-o', serverOptions]);
  start();
  let databases = 0;
  let running = true;
  const adminUrl = `postgres://switchboard@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    async createDatabase() {
      const name = `switchboard_${++databases}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://switchboard@127.0.0.1:${port}/${name}`;
    },
    halt(mode = 'fast') {
      run('pg_ctl', ['stop', '-w', '-s', '-D', data, '-m', mode]);
      running = false;
    },
    restart() {
      start();
      running = true;
    },
    stop() {
      try {
        if (running) run('pg_ctl', ['stop', '-w', '-s', '-D', data, '-m', 'immediate']);
      } finally {
        running = false;
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
