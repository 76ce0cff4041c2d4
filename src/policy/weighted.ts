import { RouterError } from '../errors.ts';

/** How far the weights of a weighted allocation may sum from 1 (binary fractions such as 0.1 + 0.2 + 0.7). */
const WEIGHT_SUM_TOLERANCE = 1e-9;

/**
 * Picks one allocation with probability equal to its weight (spec §1.9): `random` is a uniform draw in [0, 1),
 * injected so that the engine stays deterministic under test.
 */
export function pickWeighted<T extends { readonly weight: number }>(allocations: readonly T[], random: () => number): T | undefined {
  const total = allocations.reduce((sum, allocation) => sum + allocation.weight, 0);
  const draw = random() * total;
  let cumulative = 0;
  for (const allocation of allocations) {
    cumulative += allocation.weight;
    if (draw < cumulative) return allocation;
  }
  // Only reachable through rounding at the very top of the range: the last allocation owns it.
  return allocations[allocations.length - 1];
}

/**
 * Refuses weights that do not add up to 1, when the policy is saved: a 0.3/0.3 split would otherwise silently become
 * 50/50. `target` names the attachment in the body.
 */
export function validateWeights(allocations: readonly { readonly weight: number }[], target: string): void {
  const total = allocations.reduce((sum, allocation) => sum + allocation.weight, 0);
  if (Math.abs(total - 1) > WEIGHT_SUM_TOLERANCE)
    throw new RouterError('InvalidRequest', `${target}: the weights of the allocations must add up to 1, not ${total}`, target);
}
