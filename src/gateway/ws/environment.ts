import { ServerConfigError } from '../server.ts';
import type { WsGatewayOptions } from './gateway.ts';

type Tunable = 'heartbeatMs' | 'maxPayload' | 'highWaterMark';

/** Environment variables that tune the WebSocket gateway, and the option each sets. */
export const WS_ENVIRONMENT: Readonly<Record<string, Tunable>> = {
  SWITCHBOARD_WS_HEARTBEAT_MS: 'heartbeatMs',
  SWITCHBOARD_WS_MAX_PAYLOAD: 'maxPayload',
  SWITCHBOARD_WS_HIGH_WATER_MARK: 'highWaterMark',
};

/** The `--help` lines for {@link WS_ENVIRONMENT}. */
export const WS_ENVIRONMENT_HELP = `WebSocket (/ws) tuning, by environment variable:
  SWITCHBOARD_WS_HEARTBEAT_MS     Ping interval; a client that has not answered a ping by the next is dropped, so
                                  a silent one goes within two intervals. Default 30000.
  SWITCHBOARD_WS_MAX_PAYLOAD      Largest message in bytes; larger ones close with 1009. Default 1048576.
  SWITCHBOARD_WS_HIGH_WATER_MARK  Bytes queued for one client before it is closed with 4008. Default 8388608.
`;

/**
 * Reads the gateway's tunables from the environment, so the CLI needs no option per tunable.
 *
 * @throws ServerConfigError naming the variable when a value is not a positive integer (the CLI exits 2, as for
 *   every configuration error)
 */
export function wsOptionsFromEnvironment(env: NodeJS.ProcessEnv): Pick<WsGatewayOptions, Tunable> {
  const options: Partial<Record<Tunable, number>> = {};
  for (const [variable, option] of Object.entries(WS_ENVIRONMENT)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value === 0)
      throw new ServerConfigError(`${variable} must be a positive integer, got ${JSON.stringify(text)}`);
    options[option] = value;
  }
  return options;
}
