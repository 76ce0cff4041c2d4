import { parseArgs } from 'node:util';
import { ServerConfigError, startServer } from './gateway/server.ts';
import { DEFAULT_MAX_BODY_BYTES } from './gateway/http/request-body.ts';
import { AZURE_JOB_ROUTER_RATE_LIMIT, RateLimiter } from './gateway/rate-limit.ts';
import { WS_ENVIRONMENT_HELP, wsOptionsFromEnvironment } from './gateway/ws/environment.ts';
import { createWsGateway } from './gateway/ws/gateway.ts';
import { Router } from './router.ts';

/**
 * The `switchboard` command. `serve` starts the server on the in-memory store and logs exactly one line saying where
 * it listens; SIGINT and SIGTERM close it cleanly. Exit codes: 0 after a clean shutdown, 1 when the server fails to
 * listen, 2 for a usage or configuration error.
 */

const HELP = `Usage: switchboard serve [options]

Starts Switchboard: the Azure Job Router REST API (2023-11-01) under /routing/ and GET /healthz, on one port.

Options:
  --port <n>            Port to listen on; 0 picks a free one. Env PORT. Default 8080.
  --host <host>         Address to bind. Env HOST. Default 127.0.0.1.
                        Anything but loopback (127.0.0.1, ::1, localhost) requires an access key.
  --access-key <key>    Base64 access key (e.g. \`openssl rand -base64 32\`). Env SWITCHBOARD_ACCESS_KEY, which is
                        preferable: a command-line argument is visible to other local users.
                        With a key, requests must be HMAC-SHA256 signed as by the Azure SDKs (connection string
                        endpoint=http://host:port/;accesskey=<key>) or carry "Authorization: Bearer <key or worker token>".
                        Without one, only loopback clients are served.
  --max-body-bytes <n>  Largest request body; larger ones get 413. Env SWITCHBOARD_MAX_BODY_BYTES. Default ${DEFAULT_MAX_BODY_BYTES}.
  --rate-limit <n>      Requests per 10 seconds per client (worker token, else remote address); beyond it 429 with
                        Retry-After. Env SWITCHBOARD_RATE_LIMIT. Default ${AZURE_JOB_ROUTER_RATE_LIMIT.capacity} (Azure's limit).
  -h, --help            Show this help.

${WS_ENVIRONMENT_HELP}
State is kept in memory for now: it is lost when the server stops.
`;

class UsageError extends Error {}

function positiveInteger(name: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || (value === 0 && !allowZero))
    throw new UsageError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(text)}`);
  return value;
}

interface ServeConfig {
  readonly port: number;
  readonly host: string;
  readonly accessKey: string | undefined;
  readonly maxBodyBytes: number;
  readonly rateLimit: number;
}

/** Options win over environment variables, which win over defaults. */
function serveConfig(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): ServeConfig {
  const text = (option: string, variable: string): string | undefined => {
    const value = values[option];
    return typeof value === 'string' ? value : env[variable] || undefined;
  };
  const port = positiveInteger('--port', text('port', 'PORT') ?? '8080', true);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  return {
    port,
    host: text('host', 'HOST') ?? '127.0.0.1',
    accessKey: text('access-key', 'SWITCHBOARD_ACCESS_KEY'),
    maxBodyBytes: positiveInteger('--max-body-bytes', text('max-body-bytes', 'SWITCHBOARD_MAX_BODY_BYTES') ?? String(DEFAULT_MAX_BODY_BYTES)),
    rateLimit: positiveInteger('--rate-limit', text('rate-limit', 'SWITCHBOARD_RATE_LIMIT') ?? String(AZURE_JOB_ROUTER_RATE_LIMIT.capacity)),
  };
}

async function serve(config: ServeConfig): Promise<void> {
  const wsOptions = wsOptionsFromEnvironment(process.env);
  const router = await Router.open();
  // One budget per client across REST and WebSocket. The limit is stated per 10 s, as Azure states it; the bucket
  // refills evenly over that window.
  const rateLimiter = new RateLimiter({
    capacity: config.rateLimit,
    refillPerSecond: config.rateLimit / 10,
    now: () => router.engine.now(),
  });
  const gateway = createWsGateway({ router, accessKey: config.accessKey, rateLimiter, now: () => router.engine.now(), ...wsOptions });
  const server = await startServer({
    router,
    port: config.port,
    host: config.host,
    accessKey: config.accessKey,
    maxBodyBytes: config.maxBodyBytes,
    rateLimiter,
    log: (message) => process.stderr.write(`${message}\n`),
    onUpgrade: gateway.handleUpgrade,
  }).catch(async (error: unknown) => {
    await router.close();
    throw error;
  });
  const access = config.accessKey === undefined ? '; no access key, so only loopback clients are accepted' : '; requests must be signed or carry a bearer token';
  process.stdout.write(`switchboard listening on ${server.url}${access}\n`);

  const shutdown = async () => {
    await gateway.close();
    await server.close();
    await router.close();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'access-key': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'rate-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
    if (positionals.length !== 1 || positionals[0] !== 'serve') throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
    await serve(serveConfig(values, process.env));
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`switchboard: ${error.message}\nRun \`switchboard --help\` for usage.\n`);
      return 2;
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
