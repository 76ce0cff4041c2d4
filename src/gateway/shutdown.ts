/**
 * Graceful shutdown of a serving process: drain, close, flush — within a bound.
 *
 * @module
 */
import type { Router } from '../router.ts';
import type { RunningServer } from './server.ts';
import type { WsGateway } from './ws/gateway.ts';

/** Default bound of {@link shutDown}, seconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;

/** What {@link shutDown} stops, and how long it may take. */
export interface ShutdownTargets {
  readonly server: RunningServer;
  /** Every router the server serves (one, or each of a server hosting several) and its gateway. */
  readonly gateways: readonly WsGateway[];
  readonly routers: readonly Router[];
  readonly timeoutMs: number;
}

/** How a shutdown ended: cleanly, or forced at the bound with what was still unanswered then. */
export type ShutdownOutcome =
  | { readonly clean: true }
  | { readonly clean: false; readonly openRequests: number; readonly owedAnswers: number };

/**
 * Stops serving without losing an answer: stops accepting (listening socket closed, new upgrades and requests on
 * kept-alive connections refused with `ShuttingDown`), waits until every REST request and WebSocket message received
 * before has been answered — each answer follows its commit, so all of it is durable — then closes WebSocket
 * connections with 1001, closes the HTTP server and the routers (each flushes and closes its store).
 *
 * Past `timeoutMs` it stops waiting: connections are dropped and the router closed anyway (itself bounded), and the
 * outcome says what was left unanswered. Nothing unanswered was acknowledged, so nothing acknowledged is lost either way.
 */
export async function shutDown(targets: ShutdownTargets): Promise<ShutdownOutcome> {
  const { server, gateways, routers } = targets;
  let routersClosed: Promise<unknown> | undefined;
  const closeRouters = () => (routersClosed ??= Promise.all(routers.map((router) => router.close())));
  const graceful = (async () => {
    await Promise.all([server.drain(), ...gateways.map((gateway) => gateway.drain())]);
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await server.close();
    await closeRouters();
    return 'done' as const;
  })();
  if ((await Promise.race([graceful, delay(targets.timeoutMs)])) === 'done') return { clean: true };

  const owedAnswers = gateways.reduce((sum, gateway) => sum + gateway.owedAnswers, 0);
  const left = { openRequests: server.openRequests, owedAnswers };
  // Bounded too: a store that hangs must not keep the process from exiting.
  const forced = Promise.all([...gateways.map((gateway) => gateway.close(0)), server.close(), closeRouters()]);
  await Promise.race([forced.catch(() => undefined), delay(FORCED_CLOSE_MS)]);
  return { clean: false, ...left };
}

/** How long the forced close past the bound may take before the caller is told anyway. */
const FORCED_CLOSE_MS = 2000;

function delay(ms: number): Promise<'timedOut'> {
  return new Promise((resolve) => setTimeout(() => resolve('timedOut'), ms).unref());
}
