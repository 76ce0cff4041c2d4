/**
 * The names of the routers one server hosts. A router is addressed by its name as the first path segment
 * (`/<router>/routing/...`), so a name must be a valid path segment that cannot be mistaken for one of the server's
 * own top-level paths, and a valid PostgreSQL schema name (each router's tables live in a schema named after it).
 */

/** Lower-case letters, digits and hyphens, starting with a letter or digit; at most 63 characters (PostgreSQL's identifier limit). */
export const ROUTER_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Names refused because they are, or may become, the server's own top-level paths, or because the PostgreSQL
 * schema of that name is not the router's to take (`public` holds the tables of a single-router deployment).
 */
export const RESERVED_ROUTER_NAMES: ReadonlySet<string> = new Set([
  'routing',
  'ws',
  'console',
  'machines',
  'healthz',
  'readyz',
  'livez',
  'metrics',
  'openapi',
  'routers',
  'admin',
  'api',
  'public',
]);

/** Why `name` cannot name a router, or `undefined` when it can. */
export function routerNameProblem(name: string): string | undefined {
  if (!ROUTER_NAME_PATTERN.test(name))
    return `router name ${JSON.stringify(name.slice(0, 80))} must be 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit`;
  if (RESERVED_ROUTER_NAMES.has(name))
    return `router name ${JSON.stringify(name)} is reserved (it would collide with a path of the server itself: ${[...RESERVED_ROUTER_NAMES].join(', ')})`;
  return undefined;
}

/**
 * The router a request target names: its first path segment, or `undefined` for the root. Only the raw segment is
 * returned; whether it names a hosted router is the caller's question.
 */
export function firstSegment(target: string): string | undefined {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  const segment = path.split('/')[1];
  return segment === undefined || segment === '' ? undefined : segment;
}

/** The environment variable holding a router's access key: `SWITCHBOARD_ACCESS_KEY_<NAME>`, upper-cased, hyphens as underscores. */
export function routerAccessKeyVariable(name: string): string {
  return `SWITCHBOARD_ACCESS_KEY_${name.toUpperCase().replace(/-/g, '_')}`;
}
