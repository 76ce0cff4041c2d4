import { operations, type Operation } from '../../operations/table.ts';

/** A request matched to an operation, with its path parameters decoded. */
export interface RouteMatch {
  readonly operation: Operation;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  readonly operation: Operation;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

/**
 * Each template segment `{name}` matches one path segment up to the next `/` or `:` (ids exclude both, and `:` starts
 * an action verb). Literal parts are escaped.
 */
function compile(operation: Operation): CompiledRoute {
  const paramNames: string[] = [];
  const source = operation.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (param === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(param);
      return '([^/:]+)';
    })
    .join('');
  return { operation, pattern: new RegExp(`^${source}$`), paramNames };
}

const routes = operations.map(compile);

/**
 * Finds the operation for a method and a raw (still percent-encoded) path. A percent-encoded `:` is read as the
 * action separator, since some HTTP clients encode it. Returns `undefined` for no match, including a known path with
 * another method (Azure answers both with 404).
 *
 * @throws URIError when a path parameter is not valid percent-encoding
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const path = rawPath.replace(/%3a/gi, ':');
  for (const route of routes) {
    if (route.operation.method !== method) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(found[i + 1] ?? '');
    });
    return { operation: route.operation, params };
  }
  return undefined;
}
