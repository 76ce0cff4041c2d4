/**
 * What `switchboard serve` runs with, once the command line, environment and config file have been read (`cli.ts`).
 *
 * @module
 */
import type { LevelWithSilent } from 'pino';
import type { ConfigFile } from '../config/config-file.ts';
import type { StoreConfig } from '../store/open-store.ts';
import type { WebhookOptions } from '../webhooks/webhooks.ts';

export interface ServeConfig {
  readonly store: StoreConfig;
  /** A node of a cluster sharing the routers (`--cluster`): postgres store and `routers` only. */
  readonly cluster: boolean;
  readonly port: number;
  readonly host: string;
  readonly accessKey: string | undefined;
  readonly maxBodyBytes: number;
  readonly rateLimit: number;
  readonly logLevel: LevelWithSilent;
  readonly shutdownTimeoutMs: number;
  readonly webhooks: Required<Pick<WebhookOptions, 'retryInitialMs' | 'retryMaxMs' | 'timeoutMs'>>;
  /** Event subscriptions the config file declares, upserted at start where they differ from the stored ones. */
  readonly eventSubscriptions: ConfigFile['eventSubscriptions'];
  /** The routers of a server hosting several (`--routers`); `undefined` for the single un-prefixed router. */
  readonly routers: readonly DeclaredRouter[] | undefined;
}

/** One router of a server hosting several, as declared. */
export interface DeclaredRouter {
  readonly name: string;
  readonly accessKey: string | undefined;
  readonly eventSubscriptions: ConfigFile['eventSubscriptions'];
}

