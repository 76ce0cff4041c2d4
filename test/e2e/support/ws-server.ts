/**
 * WebSocket test helpers: the `/ws` address of a server process started with `server-process.ts`, and a server in
 * the test's own process for tests that need the router or gateway options at hand.
 */
import { once } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { startServer } from '../../../src/gateway/server.ts';
import { createWsGateway, WS_PATH, type WsGatewayOptions } from '../../../src/gateway/ws/gateway.ts';
import { Router } from '../../../src/router.ts';

/** `ws://host:port/ws` for a server at `http://host:port`. */
export function wsUrlOf(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}${WS_PATH}`;
}

/** The HTTP status with which the server refuses a WebSocket upgrade to `url`. */
export async function refusedUpgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const socket = new WebSocket(url, { headers });
  socket.on('error', () => undefined);
  const [request, response] = (await once(socket, 'unexpected-response')) as [ClientRequest, IncomingMessage];
  request.destroy();
  return response.statusCode ?? 0;
}

/** A server running in the test's own process. */
export interface InProcessServer {
  readonly router: Router;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server with the WebSocket gateway and these gateway options, on `options.router` (default a fresh
 * in-memory one), which `stop` closes.
 */
export async function startInProcessServer(
  options: Omit<WsGatewayOptions, 'router'> & { readonly router?: Router } = {},
): Promise<InProcessServer> {
  const router = options.router ?? (await Router.open());
  const gateway = createWsGateway({ ...options, router });
  const server = await startServer({ router, port: 0, host: '127.0.0.1', onUpgrade: gateway.handleUpgrade });
  return {
    router,
    wsUrl: wsUrlOf(server.url),
    async stop() {
      await gateway.close();
      await server.close();
      await router.close();
    },
  };
}
