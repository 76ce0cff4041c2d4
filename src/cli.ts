import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { ServerConfigError } from './gateway/server.ts';
import { routerAccessKeyVariable, routerNameProblem } from './gateway/router-names.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_SECONDS } from './gateway/shutdown.ts';
import { DEFAULT_MAX_BODY_BYTES } from './gateway/http/request-body.ts';
import { AZURE_JOB_ROUTER_RATE_LIMIT } from './gateway/rate-limit.ts';
import { WS_ENVIRONMENT_HELP } from './gateway/ws/environment.ts';
import { ConfigFileError, environmentOver, readConfigFile, ROUTERS_VARIABLE, type ConfigFile } from './config/config-file.ts';
import { LOG_LEVELS } from './observability/logger.ts';
import { exportMachines } from './console/machine-definitions.ts';
import { serve } from './serve/serve.ts';
import type { DeclaredRouter, ServeConfig } from './serve/serve-config.ts';
import { backupDataDir } from './store/sqlite/backup.ts';
import { DATABASE_FILE } from './store/sqlite/database.ts';
import { DEFAULT_DATA_DIR, ROUTERS_DIR, type StoreConfig } from './store/open-store.ts';
import { StoreError } from './store/store-error.ts';

/**
 * The `switchboard` command. `serve` starts the server on its store (durable SQLite unless `--store memory`) and logs
 * exactly one line saying where it listens and where its data is; SIGINT and SIGTERM drain and close it (`shutDown`).
 * `backup` copies a data directory's database while it is served; `machines` prints the machines' definitions;
 * `paths` prints a machine's test paths as client steps (docs/testing-your-client.md).
 * Exit codes: 0 after a clean shutdown, a finished backup or a printout, 1 when the server fails to listen, its store cannot be opened (the message names the `StoreError` code) or
 * a shutdown passes `--shutdown-timeout`, 2 for a usage or configuration error.
 */

const HELP = `Usage: switchboard serve [options]

Starts Switchboard: the Azure Job Router REST API (2023-11-01) under /routing/, WebSocket at /ws, the web console
at /console/ (see docs/console.md), GET /healthz, /readyz, /openapi.json, /machines and /metrics (Prometheus, admin
credentials), on one port.

Options (each also settable by environment variable, and in a JSON config file; see docs/configuration.md):
  --config <file>       JSON file of settings, validated before start (keys: the options below in camelCase, e.g.
                        "dataDir", and "ws": {"heartbeatMs", "maxPayload", "highWaterMark"}). Environment variables
                        override it; options override both. Env SWITCHBOARD_CONFIG.
  --port <n>            Port to listen on; 0 picks a free one. Env PORT. Default 8080.
  --host <host>         Address to bind. Env HOST. Default 127.0.0.1.
                        Anything but loopback (127.0.0.1, ::1, localhost) requires an access key.
  --access-key <key>    Base64 access key (e.g. \`openssl rand -base64 32\`). Env SWITCHBOARD_ACCESS_KEY, which is
                        preferable: a command-line argument is visible to other local users.
                        With a key, requests must be HMAC-SHA256 signed as by the Azure SDKs (connection string
                        endpoint=http://host:port/;accesskey=<key>) or carry "Authorization: Bearer <key or worker token>".
                        Without one, only loopback clients are served.
  --store <kind>        sqlite (default): durable, in --data-dir. memory: nothing survives the process (demos,
                        tests). postgres, or a postgres://user:password@host:port/database URL: durable, in that
                        PostgreSQL database (see --database-url). Env SWITCHBOARD_STORE.
  --database-url <url>  The PostgreSQL database of the postgres store; setting it alone selects that store. Env
                        SWITCHBOARD_DATABASE_URL, which is preferable for a URL holding a password.
  --standby             postgres store: while another Switchboard owns the database, wait and take over when it
                        stops or falls silent, instead of exiting. Env SWITCHBOARD_STANDBY=true.
  --cluster             postgres store, with --routers: run as one node of a cluster, with the same --routers and
                        database on every node. Each node serves the routers whose leases it holds, spread over the
                        live nodes, forwards requests and WebSocket connections for the others to their owner, and
                        takes a router over when its owner stops or falls silent. Needs --advertise-url unless
                        --host is a reachable address. Env SWITCHBOARD_CLUSTER=true. See docs/scaling.md.
  --lease-ttl <age>     postgres store: how long the owner's lease lasts unrenewed; a silent owner is replaced after
                        it (e.g. 5s). Env SWITCHBOARD_LEASE_TTL. Default 5s.
  --advertise-url <url> postgres store: where standbys redirect clients while this server owns the database, and
                        where other cluster nodes forward to it. Env SWITCHBOARD_ADVERTISE_URL. Default its
                        listening address, unless that is 0.0.0.0 or ::.
  --data-dir <dir>      Where the sqlite store keeps switchboard.db and its write-ahead log; created if missing,
                        used by one server at a time. Env SWITCHBOARD_DATA_DIR. Default ./${DEFAULT_DATA_DIR}.
  --sync <level>        full (default): an acknowledged change survives power loss (fsync before every answer).
                        normal: it survives the process being killed, but the last changes before a power loss or
                        OS crash may be lost. Env SWITCHBOARD_SYNC.
  --event-retention <n> Newest events kept for replay. Env SWITCHBOARD_EVENT_RETENTION. Default 1000000 (sqlite),
                        100000 (memory).
  --event-max-age <age> Also drop events older than this: a number with s, m, h or d (e.g. 7d). Env
                        SWITCHBOARD_EVENT_MAX_AGE. Default: no age limit.
  --max-db-bytes <n>    Largest the sqlite database may grow; past it changes are refused (503 StoreUnavailable) as
                        on a full disk. Env SWITCHBOARD_MAX_DB_BYTES. Default: no limit but the disk's.
  --max-body-bytes <n>  Largest request body; larger ones get 413. Env SWITCHBOARD_MAX_BODY_BYTES. Default ${DEFAULT_MAX_BODY_BYTES}.
  --rate-limit <n>      Requests per 10 seconds per client (worker token, else remote address); beyond it 429 with
                        Retry-After. Env SWITCHBOARD_RATE_LIMIT. Default ${AZURE_JOB_ROUTER_RATE_LIMIT.capacity} (Azure's limit).
  --log-level <level>   fatal, error, warn, info (default), debug, trace or silent. JSON lines on stderr: one per
                        REST request, two per WebSocket connection (opened, closed), commit failures, faults. Env
                        SWITCHBOARD_LOG_LEVEL.
  --webhook-retry-initial <d>  Wait before an event subscription's first retry; each later wait doubles, with
                        jitter. A number with ms, s, m or h. Env SWITCHBOARD_WEBHOOK_RETRY_INITIAL. Default 10s.
  --webhook-retry-max <d>  Longest wait between retries. Env SWITCHBOARD_WEBHOOK_RETRY_MAX. Default 10m.
  --webhook-timeout <d> How long a webhook endpoint may take to answer. Env SWITCHBOARD_WEBHOOK_TIMEOUT. Default 30s.
  --shutdown-timeout <s> Seconds a shutdown (SIGTERM, SIGINT) may take. It stops accepting, answers every REST
                        request and WebSocket message already received (requests arriving meanwhile on open
                        connections get 503 ShuttingDown), closes WebSocket connections with 1001, flushes the store
                        and exits 0. Past the bound it closes forcibly and exits 1. A second signal ends the process
                        at once. Env SWITCHBOARD_SHUTDOWN_TIMEOUT. Default ${DEFAULT_SHUTDOWN_TIMEOUT_SECONDS}.
  --routers <names>     Host several independent routers, comma-separated (e.g. eu-west,us-east), each under /<name>/
                        (REST /<name>/routing/..., WebSocket /<name>/ws, console /<name>/console/; Azure SDK endpoint
                        http://host:port/<name>/), each with its own data (sqlite: <data-dir>/routers/<name>/;
                        postgres: schema <name>), events, sequence numbers and access key: for router eu-west, env
                        SWITCHBOARD_ACCESS_KEY_EU_WEST (the name upper-cased, hyphens as underscores); --access-key
                        is then refused. Names: 1-63 of a-z, 0-9 and -. Env SWITCHBOARD_ROUTERS. Without it, one
                        router is served un-prefixed. See docs/scaling.md.
  -h, --help            Show this help.

${WS_ENVIRONMENT_HELP}
Usage: switchboard machines [--json]

Prints every machine of the router (job, offer, worker, queue): its states, events, guards and actions. With --json,
the machines' definitions as XState produces them (machine.toJSON()), as GET /machines serves them.

Usage: switchboard paths --machine job|offer|worker [--json]

Prints test paths for client developers: the shortest path to every transition of that machine, each step an API
operation a client performs (upsertJob, acceptJobOffer, …) or time passing, with the state it leads to. With --json,
the document of docs/testing-your-client.md, to generate tests of a client against the router's real lifecycle.

Usage: switchboard backup <file> [--data-dir <dir>] [--routers <name>]

Copies the sqlite database of <dir> (with --routers and one name, of that router's <dir>/routers/<name>) to <file> while a server may be serving from it (SQLite's online backup: a
consistent copy of one moment). To restore, start a server on a data directory holding that file as
${DATABASE_FILE}. See docs/storage.md.
`;

class UsageError extends Error {}

function positiveInteger(name: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || (value === 0 && !allowZero))
    throw new UsageError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(text)}`);
  return value;
}

/** Options win over environment variables (with the config file beneath them, see `environmentOver`), which win over defaults. */
function serveConfig(
  values: Record<string, string | boolean | string[] | undefined>,
  env: NodeJS.ProcessEnv,
  file: ConfigFile | undefined,
): ServeConfig {
  const text = (option: string, variable: string): string | undefined => {
    const value = values[option];
    if (typeof value === 'boolean') return String(value);
    return typeof value === 'string' ? value : env[variable] || undefined;
  };
  const port = positiveInteger('--port', text('port', 'PORT') ?? '8080', true);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const store = storeConfig(text);
  const routers = declaredRouters(values['routers'], text('access-key', 'SWITCHBOARD_ACCESS_KEY'), env, file);
  return {
    store,
    cluster: clusterNode(text('cluster', 'SWITCHBOARD_CLUSTER'), store, routers),
    port,
    host: text('host', 'HOST') ?? '127.0.0.1',
    accessKey: text('access-key', 'SWITCHBOARD_ACCESS_KEY'),
    maxBodyBytes: positiveInteger('--max-body-bytes', text('max-body-bytes', 'SWITCHBOARD_MAX_BODY_BYTES') ?? String(DEFAULT_MAX_BODY_BYTES)),
    rateLimit: positiveInteger('--rate-limit', text('rate-limit', 'SWITCHBOARD_RATE_LIMIT') ?? String(AZURE_JOB_ROUTER_RATE_LIMIT.capacity)),
    logLevel: logLevel(text('log-level', 'SWITCHBOARD_LOG_LEVEL') ?? 'info'),
    shutdownTimeoutMs:
      1000 * positiveInteger('--shutdown-timeout', text('shutdown-timeout', 'SWITCHBOARD_SHUTDOWN_TIMEOUT') ?? String(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS)),
    webhooks: {
      retryInitialMs: duration('--webhook-retry-initial', text('webhook-retry-initial', 'SWITCHBOARD_WEBHOOK_RETRY_INITIAL') ?? '10s'),
      retryMaxMs: duration('--webhook-retry-max', text('webhook-retry-max', 'SWITCHBOARD_WEBHOOK_RETRY_MAX') ?? '10m'),
      timeoutMs: duration('--webhook-timeout', text('webhook-timeout', 'SWITCHBOARD_WEBHOOK_TIMEOUT') ?? '30s'),
    },
    eventSubscriptions: file?.eventSubscriptions,
    routers,
  };
}

/**
 * Whether this server is a cluster node (`--cluster`): routers on PostgreSQL only, since the lease per router schema
 * is what lets nodes share them; and not a `--standby` as well, which waits for every router at once.
 */
function clusterNode(setting: string | undefined, store: StoreConfig, routers: readonly DeclaredRouter[] | undefined): boolean {
  if (setting !== undefined && setting !== 'true' && setting !== 'false')
    throw new UsageError(`SWITCHBOARD_CLUSTER must be true or false, got ${JSON.stringify(setting)}`);
  if (setting !== 'true') return false;
  if (store.kind !== 'postgres') throw new UsageError('--cluster needs the postgres store: the nodes share its database');
  if (routers === undefined) throw new UsageError('--cluster needs --routers: the nodes spread the routers among themselves');
  if (store.lease.wait) throw new UsageError('--cluster and --standby exclude each other: a cluster node stands by for every router it does not serve');
  return true;
}

/**
 * The routers `--routers` (comma-separated, or repeated), else `SWITCHBOARD_ROUTERS` (which the config file's
 * `routers` stands for) declares, each with its key from `SWITCHBOARD_ACCESS_KEY_<NAME>` (or the file's `routers.<name>.accessKey`)
 * and the file's `routers.<name>.eventSubscriptions`. Keys and subscriptions are each router's own, so the
 * server-wide ones are refused alongside routers rather than shared between them.
 */
function declaredRouters(
  option: string | boolean | string[] | undefined,
  serverAccessKey: string | undefined,
  env: NodeJS.ProcessEnv,
  file: ConfigFile | undefined,
): DeclaredRouter[] | undefined {
  const listed = (Array.isArray(option) ? option.join(',') : env[ROUTERS_VARIABLE])?.split(',').map((name) => name.trim());
  if (listed === undefined) return undefined;
  if (serverAccessKey !== undefined)
    throw new UsageError(
      'with routers, each router has its own access key: set SWITCHBOARD_ACCESS_KEY_<NAME> (or routers.<name>.accessKey in the config file) instead of --access-key',
    );
  if (file?.eventSubscriptions !== undefined)
    throw new UsageError('with routers, event subscriptions are each router\'s own: declare them as routers.<name>.eventSubscriptions in the config file');
  return listed.map((name) => ({
    name,
    accessKey: env[routerAccessKeyVariable(name)] || undefined,
    eventSubscriptions: file?.routers?.[name]?.eventSubscriptions,
  }));
}

function logLevel(text: string): LevelWithSilent {
  const level = LOG_LEVELS.find((candidate) => candidate === text);
  if (level === undefined) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
  return level;
}

function storeConfig(text: (option: string, variable: string) => string | undefined): StoreConfig {
  const store = text('store', 'SWITCHBOARD_STORE');
  const databaseUrl = text('database-url', 'SWITCHBOARD_DATABASE_URL');
  const kind = store === undefined ? (databaseUrl === undefined ? 'sqlite' : 'postgres') : isPostgresUrl(store) ? 'postgres' : store;
  const retentionText = text('event-retention', 'SWITCHBOARD_EVENT_RETENTION');
  const eventRetention = retentionText === undefined ? undefined : positiveInteger('--event-retention', retentionText, true);
  const ageText = text('event-max-age', 'SWITCHBOARD_EVENT_MAX_AGE');
  const eventMaxAgeMs = ageText === undefined ? undefined : duration('--event-max-age', ageText);
  if (kind === 'memory') return { kind, eventRetention, eventMaxAgeMs };
  if (kind === 'postgres') {
    const url = store !== undefined && isPostgresUrl(store) ? store : databaseUrl;
    if (url === undefined) throw new UsageError('--store postgres needs the database: --database-url or SWITCHBOARD_DATABASE_URL');
    if (!isPostgresUrl(url)) throw new UsageError('--database-url must be a postgres:// or postgresql:// URL');
    for (const [option, variable] of [['sync', 'SWITCHBOARD_SYNC'], ['max-db-bytes', 'SWITCHBOARD_MAX_DB_BYTES'], ['data-dir', 'SWITCHBOARD_DATA_DIR']] as const)
      if (text(option, variable) !== undefined) throw new UsageError(`--${option} applies to the sqlite store only; the postgres store keeps its data on the server`);
    const standby = text('standby', 'SWITCHBOARD_STANDBY');
    if (standby !== undefined && standby !== 'true' && standby !== 'false')
      throw new UsageError(`SWITCHBOARD_STANDBY must be true or false, got ${JSON.stringify(standby)}`);
    const ttlText = text('lease-ttl', 'SWITCHBOARD_LEASE_TTL');
    const ttlMs = ttlText === undefined ? undefined : duration('--lease-ttl', ttlText);
    // Renewed every third of it: shorter would make the owner's renewals a load of their own.
    if (ttlMs !== undefined && ttlMs < 1000) throw new UsageError(`--lease-ttl must be at least 1s, got ${JSON.stringify(ttlText)}`);
    const lease = { wait: standby === 'true', ttlMs };
    const advertiseUrl = text('advertise-url', 'SWITCHBOARD_ADVERTISE_URL');
    if (advertiseUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(advertiseUrl))
      throw new UsageError(`--advertise-url must be http(s)://host:port, got ${JSON.stringify(advertiseUrl)}`);
    return { kind, url, eventRetention, eventMaxAgeMs, lease, advertiseUrl };
  }
  for (const [option, variable] of [['standby', 'SWITCHBOARD_STANDBY'], ['lease-ttl', 'SWITCHBOARD_LEASE_TTL'], ['advertise-url', 'SWITCHBOARD_ADVERTISE_URL']] as const)
    if (text(option, variable) !== undefined) throw new UsageError(`--${option} applies to the postgres store only, which several servers can share`);
  if (kind !== 'sqlite') throw new UsageError(`--store must be sqlite, memory, postgres or a postgres:// URL, got ${JSON.stringify(kind)}`);
  const sync = text('sync', 'SWITCHBOARD_SYNC') ?? 'full';
  if (sync !== 'full' && sync !== 'normal') throw new UsageError(`--sync must be full or normal, got ${JSON.stringify(sync)}`);
  const maxBytesText = text('max-db-bytes', 'SWITCHBOARD_MAX_DB_BYTES');
  const maxSizeBytes = maxBytesText === undefined ? undefined : positiveInteger('--max-db-bytes', maxBytesText);
  return { kind, dataDir: text('data-dir', 'SWITCHBOARD_DATA_DIR') ?? DEFAULT_DATA_DIR, sync, eventRetention, eventMaxAgeMs, maxSizeBytes };
}

function isPostgresUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(text);
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function duration(name: string, text: string): number {
  const match = /^(\d+)(ms|[smhd])$/.exec(text);
  const amount = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(amount) || amount === 0)
    throw new UsageError(`${name} must be a positive number followed by ms, s, m, h or d (e.g. 7d), got ${JSON.stringify(text)}`);
  return amount * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
}

/** The one router `backup --routers NAME` copies the database of. */
function backedUpRouter(names: readonly string[]): string {
  if (names.length !== 1) throw new UsageError('backup copies one router at a time: give --routers one name');
  const problem = routerNameProblem(names[0]!);
  if (problem !== undefined) throw new UsageError(problem);
  return names[0]!;
}

const OPTIONS = {
  config: { type: 'string' },
  store: { type: 'string' },
  'database-url': { type: 'string' },
  standby: { type: 'boolean' },
  cluster: { type: 'boolean' },
  'lease-ttl': { type: 'string' },
  'advertise-url': { type: 'string' },
  'data-dir': { type: 'string' },
  sync: { type: 'string' },
  'event-retention': { type: 'string' },
  'event-max-age': { type: 'string' },
  'max-db-bytes': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'access-key': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'rate-limit': { type: 'string' },
  'log-level': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'webhook-retry-initial': { type: 'string' },
  'webhook-retry-max': { type: 'string' },
  'webhook-timeout': { type: 'string' },
  routers: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  machine: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `switchboard machines`: one line per machine, or with `--json` the definitions `GET /machines` serves. */
function printMachines(json: boolean): void {
  const machines = exportMachines();
  if (json) {
    process.stdout.write(`${JSON.stringify({ value: machines }, null, 2)}\n`);
    return;
  }
  for (const machine of machines) {
    const states = Object.keys((machine.definition['states'] as Record<string, unknown> | undefined) ?? {});
    process.stdout.write(
      `${machine.id}: ${states.length} states (${states.join(', ')}); events ${machine.events.join(', ')}; ` +
        `guards ${machine.guards.join(', ') || '(none)'}; actions ${machine.actions.join(', ') || '(none)'}\n`,
    );
  }
}

/** `switchboard paths --machine <name>`: the machine's test paths, for a reader or (`--json`) for a generator. */
async function printPaths(machine: string | undefined, json: boolean): Promise<void> {
  // Loaded here only: a server has no use for the graph walker.
  const { formatPaths, isPathMachineName, machinePaths, PATH_MACHINE_NAMES } = await import('./paths/machine-paths.ts');
  const names = PATH_MACHINE_NAMES.join(', ');
  if (machine === undefined) throw new UsageError(`paths needs --machine: one of ${names}`);
  if (!isPathMachineName(machine)) throw new UsageError(`unknown machine ${JSON.stringify(machine)} for paths: one of ${names}`);
  const paths = machinePaths(machine);
  process.stdout.write(json ? `${JSON.stringify(paths, null, 2)}\n` : formatPaths(paths));
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs the command line; resolves to the exit code for failures, or never settles while serving. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const configPath = values.config ?? (process.env['SWITCHBOARD_CONFIG'] || undefined);
    const file = configPath === undefined ? undefined : readConfigFile(configPath);
    const env = file === undefined ? process.env : environmentOver(file, process.env);
    if (positionals[0] === 'machines') {
      if (positionals.length !== 1) throw new UsageError('machines takes no argument');
      printMachines(values.json === true);
      return 0;
    }
    if (positionals[0] === 'paths') {
      if (positionals.length !== 1) throw new UsageError('paths takes no argument; name the machine with --machine');
      await printPaths(values.machine, values.json === true);
      return 0;
    }
    if (values.json !== undefined) throw new UsageError('--json applies to the machines and paths commands only');
    if (values.machine !== undefined) throw new UsageError('--machine applies to the paths command only');
    if (positionals[0] === 'backup') {
      if (positionals.length !== 2) throw new UsageError('backup takes one argument: the file to write');
      const serverDir = (typeof values['data-dir'] === 'string' ? values['data-dir'] : env['SWITCHBOARD_DATA_DIR']) || DEFAULT_DATA_DIR;
      const dataDir = values.routers === undefined ? serverDir : join(serverDir, ROUTERS_DIR, backedUpRouter(values.routers.join(',').split(',')));
      const { pages } = await backupDataDir(dataDir, positionals[1]!);
      process.stdout.write(`switchboard: backed up ${resolve(dataDir)} to ${resolve(positionals[1]!)} (${pages} pages)\n`);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'serve') throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
    await serve(serveConfig(values, env, file), env);
    return undefined;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigFileError) {
      process.stderr.write(`switchboard: ${error.message}\nRun \`switchboard --help\` for usage.\n`);
      return 2;
    }
    if (error instanceof StoreError) {
      process.stderr.write(`switchboard: ${error.message} [${error.code}]\n`);
      return 1;
    }
    if (error instanceof ServerConfigError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
