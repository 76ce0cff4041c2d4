import { RouterError } from '../../errors.ts';

/**
 * The `api-version` values accepted. Both behave the same: the preview's one addition (`maxConcurrentOffers` on
 * workers) is honoured under either.
 */
export const SUPPORTED_API_VERSIONS = ['2023-11-01', '2024-01-18-preview'] as const;

const supported: ReadonlySet<string> = new Set(SUPPORTED_API_VERSIONS);

/** Throws `InvalidApiVersion` unless the query names a supported version. */
export function requireApiVersion(query: URLSearchParams): void {
  const version = query.get('api-version');
  if (version === null || !supported.has(version))
    throw new RouterError(
      'InvalidApiVersion',
      `api-version must be one of ${SUPPORTED_API_VERSIONS.join(', ')}${version === null ? '' : `; got ${JSON.stringify(version.slice(0, 64))}`}`,
      'api-version',
    );
}
