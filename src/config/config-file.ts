/**
 * The configuration file of `switchboard serve` (`--config FILE`, `SWITCHBOARD_CONFIG`): a JSON object holding any
 * of the settings the command line and environment give, validated as a whole before anything starts. It is the
 * lowest layer: an environment variable overrides it, a command-line option overrides both.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { z } from 'zod';
import { routerAccessKeyVariable } from '../gateway/router-names.ts';
import { WS_ENVIRONMENT } from '../gateway/ws/environment.ts';
import { LOG_LEVELS } from '../observability/logger.ts';
import { ResourceIdSchema } from '../protocol/common.schemas.ts';
import { EventSubscriptionWritableSchema, eventSubscriptionFields } from '../protocol/event-subscription.schemas.ts';
import type { Router } from '../router.ts';

const positive = z.number().int().positive();
const duration = z.string().regex(/^\d+(ms|[smhd])$/, 'a number with ms, s, m, h or d, e.g. "10s"');

/** Every setting, under the name of its command-line option in camelCase. */
export const ConfigFileSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  accessKey: z.string().min(1).optional(),
  /** A postgres:// URL selects the postgres store on that database, as `--store` does. */
  store: z.union([z.enum(['sqlite', 'memory', 'postgres']), z.string().regex(/^postgres(?:ql)?:\/\//, 'sqlite, memory, postgres or a postgres:// URL')]).optional(),
  databaseUrl: z.string().regex(/^postgres(?:ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
  standby: z.boolean().optional(),
  cluster: z.boolean().optional(),
  leaseTtl: duration.optional(),
  advertiseUrl: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'http(s)://host:port').optional(),
  /** Relative to the file's own directory, so a config file and its data can move together. */
  dataDir: z.string().min(1).optional(),
  sync: z.enum(['full', 'normal']).optional(),
  eventRetention: z.number().int().min(0).optional(),
  eventMaxAge: duration.optional(),
  maxDbBytes: positive.optional(),
  maxBodyBytes: positive.optional(),
  rateLimit: positive.optional(),
  logLevel: z.enum(LOG_LEVELS as [LevelWithSilent, ...LevelWithSilent[]]).optional(),
  shutdownTimeout: positive.optional(),
  webhookRetryInitial: duration.optional(),
  webhookRetryMax: duration.optional(),
  webhookTimeout: duration.optional(),
  /** Event subscriptions by id, each as the body of `upsertEventSubscription` would give it in full. */
  eventSubscriptions: z.record(ResourceIdSchema, z.strictObject(eventSubscriptionFields)).optional(),
  /**
   * The routers a server hosting several serves, by name, each with its own access key and event subscriptions (see
   * docs/scaling.md). Declaring any makes the server serve each under `/<name>/` and nothing un-prefixed.
   */
  routers: z
    .record(
      z.string(),
      z.strictObject({
        accessKey: z.string().min(1).optional(),
        eventSubscriptions: z.record(ResourceIdSchema, z.strictObject(eventSubscriptionFields)).optional(),
      }),
    )
    .optional(),
  ws: z
    .strictObject({ heartbeatMs: positive.optional(), maxPayload: positive.optional(), highWaterMark: positive.optional() })
    .optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The environment variable each setting of the file stands for (those under `ws` are the gateway's, {@link WS_ENVIRONMENT}). */
const VARIABLES = {
  port: 'PORT',
  host: 'HOST',
  accessKey: 'SWITCHBOARD_ACCESS_KEY',
  store: 'SWITCHBOARD_STORE',
  databaseUrl: 'SWITCHBOARD_DATABASE_URL',
  standby: 'SWITCHBOARD_STANDBY',
  cluster: 'SWITCHBOARD_CLUSTER',
  leaseTtl: 'SWITCHBOARD_LEASE_TTL',
  advertiseUrl: 'SWITCHBOARD_ADVERTISE_URL',
  dataDir: 'SWITCHBOARD_DATA_DIR',
  sync: 'SWITCHBOARD_SYNC',
  eventRetention: 'SWITCHBOARD_EVENT_RETENTION',
  eventMaxAge: 'SWITCHBOARD_EVENT_MAX_AGE',
  maxDbBytes: 'SWITCHBOARD_MAX_DB_BYTES',
  maxBodyBytes: 'SWITCHBOARD_MAX_BODY_BYTES',
  rateLimit: 'SWITCHBOARD_RATE_LIMIT',
  logLevel: 'SWITCHBOARD_LOG_LEVEL',
  shutdownTimeout: 'SWITCHBOARD_SHUTDOWN_TIMEOUT',
  webhookRetryInitial: 'SWITCHBOARD_WEBHOOK_RETRY_INITIAL',
  webhookRetryMax: 'SWITCHBOARD_WEBHOOK_RETRY_MAX',
  webhookTimeout: 'SWITCHBOARD_WEBHOOK_TIMEOUT',
} as const satisfies Record<Exclude<keyof ConfigFile, 'ws' | 'eventSubscriptions' | 'routers'>, string>;

/** The routers of a server hosting several, comma-separated (`--routers` on the command line). */
export const ROUTERS_VARIABLE = 'SWITCHBOARD_ROUTERS';

/** A configuration file that cannot be read or does not validate; the CLI reports it and exits 2. */
export class ConfigFileError extends Error {}

/** Reads and validates a configuration file. @throws ConfigFileError naming the file and each wrong setting */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`the config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigFileError(
      `the config file ${path} is not valid: ` +
        parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; '),
    );
  const config = parsed.data;
  return config.dataDir === undefined ? config : { ...config, dataDir: resolve(dirname(path), config.dataDir) };
}

/**
 * The environment with the file beneath it: each setting of the file as the variable it stands for, unless the
 * environment sets that variable (to something other than the empty string) itself. The file's routers stand for
 * `SWITCHBOARD_ROUTERS` and each router's key for `SWITCHBOARD_ACCESS_KEY_<NAME>`.
 */
export function environmentOver(config: ConfigFile, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const layered: NodeJS.ProcessEnv = {};
  for (const [key, variable] of Object.entries(VARIABLES)) {
    const value = config[key as keyof typeof VARIABLES];
    if (value !== undefined) layered[variable] = String(value);
  }
  for (const [variable, option] of Object.entries(WS_ENVIRONMENT)) {
    const value = config.ws?.[option];
    if (value !== undefined) layered[variable] = String(value);
  }
  if (config.routers !== undefined) {
    layered[ROUTERS_VARIABLE] = Object.keys(config.routers).join(',');
    for (const [name, router] of Object.entries(config.routers))
      if (router.accessKey !== undefined) layered[routerAccessKeyVariable(name)] = router.accessKey;
  }
  for (const [variable, value] of Object.entries(env)) if (value !== undefined && value !== '') layered[variable] = value;
  return layered;
}

/**
 * Makes the router's event subscriptions include those the file declares: each is created, or replaced with the
 * file's settings where they differ from the stored ones (so a restart with the same file changes nothing, and a
 * subscription's cursor carries on). Subscriptions the file does not name are left alone.
 */
export async function applyDeclaredSubscriptions(router: Router, declared: ConfigFile['eventSubscriptions']): Promise<void> {
  for (const [id, settings] of Object.entries(declared ?? {})) {
    const stored = router.eventSubscriptionSettings(id);
    if (stored && JSON.stringify(stored) === JSON.stringify(EventSubscriptionWritableSchema.parse(settings))) continue;
    // Fields the file leaves out go back to their defaults, as the file is the whole of the subscription.
    const reset = Object.fromEntries(Object.keys(eventSubscriptionFields).map((key) => [key, null]));
    await router.upsertEventSubscription(id, { ...reset, ...settings });
  }
}
