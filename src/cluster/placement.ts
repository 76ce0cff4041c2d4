/**
 * Which node of a cluster serves which router: each router goes first to its choice among the live nodes, by
 * rendezvous hashing (the node whose hash with the router's name is highest) bounded so that no node is chosen for
 * more than its share: with few routers, plain hashing could leave a node with none. Every node
 * computes the same choices from the same live nodes, and a node joining or leaving moves few routers. Any other node takes a free
 * router over only once it has stayed free for a grace delay, in case the chosen node cannot; an owner hands a
 * router to its choice once that node has been live long enough to be trusted with it.
 *
 * Pure: the node's loop (`cluster-node.ts`) gathers what it sees and does what this says.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/**
 * The node each router belongs on, among `nodes` (ids, at least one): routers in name order, each to the node of
 * highest weight that does not have its share yet. A share is `⌊routers / nodes⌋`, and one more for as many nodes as
 * the division leaves over, whichever come first: so no node has two more than another, nor none while another has two.
 */
export function chosenNodes(routers: readonly string[], nodes: readonly string[]): Map<string, string> {
  const base = Math.floor(routers.length / nodes.length);
  let extras = routers.length % nodes.length;
  const given = new Map(nodes.map((node) => [node, 0]));
  const chosen = new Map<string, string>();
  for (const router of [...routers].sort()) {
    const ranked = nodes
      .map((node) => ({ node, weight: createHash('sha256').update(`${node}\u0000${router}`).digest('hex') }))
      .sort((a, b) => (a.weight < b.weight ? 1 : a.weight > b.weight ? -1 : 0));
    const { node } = ranked.find((candidate) => given.get(candidate.node)! < base || (given.get(candidate.node)! === base && extras > 0))!;
    if (given.get(node)! === base) extras--;
    given.set(node, given.get(node)! + 1);
    chosen.set(router, node);
  }
  return chosen;
}

/** What one node sees of one router at one moment. */
export interface RouterView {
  /** This node's id. */
  readonly self: string;
  /** The node the router belongs on (`chosenNodes` of the live nodes, this one included). */
  readonly choice: string;
  /** The live nodes other than this one, each with when this node first saw it live without a break (ms). */
  readonly others: ReadonlyMap<string, number>;
  /** Whether this node serves the router now. */
  readonly owned: boolean;
  /** When this node first saw the router free (no owner holding its lease) without a break since; else `undefined`. */
  readonly freeSince: number | undefined;
  readonly now: number;
}

/** The delays of {@link placementStep}, in ms. */
export interface PlacementDelays {
  /** How long a router stays free before a node other than its choice takes it. */
  readonly graceMs: number;
  /** How long a node must have been live before an owner hands it the routers it is the choice for. */
  readonly settleMs: number;
}

/** What a node does about a router: take it, give it up, or nothing yet. */
export type PlacementStep = 'claim' | 'release' | 'none';

/** The next step for one router. */
export function placementStep(view: RouterView, delays: PlacementDelays): PlacementStep {
  const { choice } = view;
  if (view.owned) {
    if (choice === view.self) return 'none';
    const since = view.others.get(choice)!;
    return view.now - since >= delays.settleMs ? 'release' : 'none';
  }
  if (view.freeSince === undefined) return 'none';
  return choice === view.self || view.now - view.freeSince >= delays.graceMs ? 'claim' : 'none';
}
