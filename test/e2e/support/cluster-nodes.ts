/**
 * Cluster nodes (`switchboard serve --cluster`) for tests and benchmarks: started on one database with the same
 * routers, and waited for until every router is served by the node placement chooses for it.
 */
import { chosenNodes } from '../../../src/cluster/placement.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

export interface ClusterNode {
  /** Its id in the cluster, as its start-up line says. */
  readonly id: string;
  readonly server: ServerProcess;
}

/** Starts `count` nodes one after another; stops those started when one fails to. */
export async function startClusterNodes(count: number, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = await startServerProcess(['--cluster', ...args], env);
      nodes.push({ id: /cluster node (\S+) at/.exec(server.output().stdout)![1]!, server });
    }
  } catch (error) {
    await stopClusterNodes(nodes);
    throw error;
  }
  return nodes;
}

export async function stopClusterNodes(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map(({ server }) => server.stop('SIGKILL')));
}

/** What each node's `/readyz` says it owns, by router. */
export async function ownership(routers: readonly string[], nodes: readonly ClusterNode[]): Promise<Map<string, ClusterNode[]>> {
  const owners = new Map<string, ClusterNode[]>(routers.map((name) => [name, []]));
  await Promise.all(
    nodes.map(async (node) => {
      const ready = await fetch(new URL('/readyz', node.server.url)).then((answer) => answer.json() as Promise<{ owned?: string[] }>).catch(() => ({ owned: [] }));
      for (const name of ready.owned ?? []) owners.get(name)?.push(node);
    }),
  );
  return owners;
}

/**
 * Waits until every router is served by the node placement chooses for it among `nodes`, and by that node only;
 * rejects after 20 s. (A plain loop, not `expect.poll`: benchmarks run outside the test runner.)
 */
export async function settled(routers: readonly string[], nodes: readonly ClusterNode[]): Promise<Map<string, ClusterNode>> {
  const chosen = chosenNodes(routers, nodes.map(({ id }) => id));
  const deadline = performance.now() + 20_000;
  for (;;) {
    const owners = await ownership(routers, nodes);
    if (routers.every((name) => owners.get(name)!.length === 1 && owners.get(name)![0]!.id === chosen.get(name)))
      return new Map(routers.map((name) => [name, owners.get(name)![0]!]));
    if (performance.now() > deadline) throw new Error(`the cluster did not settle within 20 s: ${JSON.stringify([...owners].map(([name, on]) => [name, on.map(({ id }) => id)]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
