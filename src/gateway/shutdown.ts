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
  readonly gateway: WsGateway;
  readonly router: Router;
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
 * connections with 1001, closes the HTTP server and the router (which flushes and closes the store).
 *
 * Past `timeoutMs` it stops waiting: connections are dropped and the router closed anyway (itself bounded), and the
 * outcome says what was left unanswered. Nothing unanswered was acknowledged, so nothing acknowledged is lost either way.
 */
export async function shutDown(targets: ShutdownTargets): Promise<ShutdownOutcome> {
  const { server, gateway, router } = targets;
  let routerClosed: Promise<void> | undefined;
  const closeRouter = () => (routerClosed ??= router.close());
  const graceful = (async () => {
    await Promise.all([server.drain(), gateway.drain()]);
    await gateway.close();
    await server.close();
    await closeRouter();
    return 'done' as const;
  })();
  if ((await Promise.race([graceful, delay(targets.timeoutMs)])) === 'done') return { clean: true };

  const left = { openRequests: server.openRequests, owedAnswers: gateway.owedAnswers };
  // Bounded too: a store that hangs must not keep the process from exiting.
  await Promise.race([Promise.all([gateway.close(0), server.close(), closeRouter()]).catch(() => undefined), delay(FORCED_CLOSE_MS)]);
  return { clean: false, ...left };
}

/** How long the forced close past the bound may take before the caller is told anyway. */
const FORCED_CLOSE_MS = 2000;

function delay(ms: number): Promise<'timedOut'> {
  return new Promise((resolve) => setTimeout(() => resolve('timedOut'), ms).unref());
}
