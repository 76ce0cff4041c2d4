import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorCatalogue } from '../../errors.ts';
import { documentedArgs } from '../../operations/documented-args.ts';
import { operations, type Operation } from '../../operations/table.ts';
import { SUPPORTED_API_VERSIONS } from './api-version.ts';

/**
 * The OpenAPI 3.1 description of the REST face, built from the operations table and its zod schemas, so it cannot
 * drift from what the server does. Served at `/openapi.json`; `docs/openapi.json` is the checked-in copy
 * (`npm run docs:openapi`), and a test fails when it is stale or when a route answers otherwise than it says.
 */

type JsonSchema = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';
const PRECONDITION_FIELDS: ReadonlySet<string> = new Set(['ifMatch', 'ifUnmodifiedSince']);

/** The path parameters of a template, in order. */
function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

/** The fields of an object schema, without the path parameters (and, for upsert bodies, the preconditions). */
function fieldsBeside(schema: z.ZodType, path: string, drop: ReadonlySet<string> = new Set()): Record<string, z.ZodType> {
  if (!(schema instanceof z.ZodObject)) throw new Error(`openapi: the arguments of ${path} are not an object`);
  const params = new Set(pathParams(path));
  return Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).filter(([name]) => !params.has(name) && !drop.has(name)));
}

/** What REST answers for a list: the page with `nextLink` in place of the token. */
function restPageOf(result: z.ZodType): z.ZodType {
  const { value } = fieldsBeside(result, '');
  return z.object({ value: value!, nextLink: z.url().optional().describe('The next page; absent on the last one.') });
}

/** A request body schema per operation that takes one. */
function requestBodyOf(operation: Operation): z.ZodType | undefined {
  if (operation.kind === 'upsert') return z.object(fieldsBeside(documentedArgs(operation), operation.path, PRECONDITION_FIELDS));
  if (operation.kind === 'action') return z.object(fieldsBeside(operation.args, operation.path));
  return undefined;
}

function responseSchemaOf(operation: Operation): z.ZodType | undefined {
  if (operation.kind === 'delete') return undefined;
  return operation.kind === 'list' ? restPageOf(operation.result) : operation.result;
}

/**
 * Every schema as a component: one registry per direction, a schema object shared by several operations
 * registered once under its first name and referred to by the others.
 */
class Components {
  readonly #registries = { input: z.registry<{ id: string }>(), output: z.registry<{ id: string }>() };

  /** A `$ref` to `schema`, registered under `name` unless it already is. */
  ref(io: 'input' | 'output', name: string, schema: z.ZodType): JsonSchema {
    const registry = this.#registries[io];
    const id = registry.get(schema)?.id ?? name;
    if (!registry.has(schema)) registry.add(schema, { id });
    return { $ref: `${COMPONENT}${id}` };
  }

  schemas(): Record<string, JsonSchema> {
    const all: Record<string, JsonSchema> = {};
    for (const io of ['input', 'output'] as const) {
      const { schemas } = z.toJSONSchema(this.#registries[io], { io, target: 'draft-2020-12', uri: (id) => `${COMPONENT}${id}`, unrepresentable: 'any' });
      for (const [id, schema] of Object.entries(schemas)) {
        const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
        all[id] = rest;
      }
    }
    return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** A parameter's schema, inline: small scalars, never worth a component. */
function inlineSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const API_VERSION_PARAMETER = {
  name: 'api-version',
  in: 'query',
  required: true,
  schema: { type: 'string', enum: [...SUPPORTED_API_VERSIONS] },
};

const ERROR_RESPONSE = {
  description: 'A refusal: Azure\'s `communicationError`, with the precise code in `details[0].code` and `x-ms-error-code` (docs/errors.md).',
  headers: { 'x-ms-error-code': { schema: { type: 'string', enum: Object.keys(errorCatalogue) } } },
  content: { 'application/json': { schema: { $ref: `${COMPONENT}CommunicationErrorResponse` } } },
};

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['communicationError'],
  properties: {
    communicationError: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: [...new Set(Object.values(errorCatalogue).map((entry) => entry.azureCode))] },
        message: { type: 'string' },
        target: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string', enum: Object.keys(errorCatalogue) }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

const VERSION_HEADERS = {
  ETag: { description: 'The version of the resource returned.', schema: { type: 'string' } },
  'Last-Modified': { description: 'When that version was written.', schema: { type: 'string' } },
};

/** Whether a result is a resource with an etag, which REST also sends as `ETag` and `Last-Modified`. */
function isVersioned(result: z.ZodType | undefined): boolean {
  return result instanceof z.ZodObject && 'etag' in result.shape;
}

function operationObject(operation: Operation, components: Components): JsonSchema {
  const parameters: JsonSchema[] = pathParams(operation.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: inlineSchema(fieldsBeside(operation.args, '')[name]!),
  }));
  parameters.push(API_VERSION_PARAMETER);
  if (operation.kind === 'list')
    for (const [name, schema] of Object.entries(fieldsBeside(operation.args, operation.path)))
      parameters.push({ name, in: 'query', required: false, schema: inlineSchema(schema) });
  if (operation.kind === 'upsert')
    parameters.push(
      { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
      { name: 'If-Unmodified-Since', in: 'header', required: false, schema: { type: 'string' } },
    );

  const body = requestBodyOf(operation);
  const result = responseSchemaOf(operation);
  const success = (description: string, headers?: JsonSchema): JsonSchema => ({
    description,
    ...(headers ? { headers } : {}),
    ...(result ? { content: { 'application/json': { schema: components.ref('output', `${operation.name}.result`, result) } } } : {}),
  });
  const responses: Record<string, JsonSchema> =
    operation.kind === 'upsert'
      ? { '200': success('Updated.', VERSION_HEADERS), '201': success('Created.', VERSION_HEADERS) }
      : operation.kind === 'delete'
        ? { '204': { description: 'Deleted.' } }
        : { '200': success('Done.', operation.kind === 'get' && isVersioned(result) ? VERSION_HEADERS : undefined) };
  responses['default'] = ERROR_RESPONSE;

  return {
    operationId: operation.name,
    summary: operation.summary,
    ...(operation.extension ? { 'x-switchboard-extension': true } : {}),
    parameters,
    ...(body
      ? {
          requestBody: {
            required: operation.kind === 'upsert',
            content: {
              [operation.kind === 'upsert' ? 'application/merge-patch+json' : 'application/json']: {
                schema: components.ref('input', `${operation.name}.body`, body),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

const STATUS_BODY = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } };

/** A probe: GET answers a small JSON status, HEAD the same status without a body; neither needs credentials. */
function probe(name: string, summary: string, statuses: Record<string, string>): Record<string, JsonSchema> {
  const responses = (withBody: boolean) =>
    Object.fromEntries(
      Object.entries(statuses).map(([status, description]) => [
        status,
        withBody ? { description, content: { 'application/json': { schema: STATUS_BODY } } } : { description },
      ]),
    );
  return {
    get: { operationId: name, summary, security: [], responses: responses(true) },
    head: { operationId: `${name}Head`, summary, security: [], responses: responses(false) },
  };
}

/** The OpenAPI 3.1 document of the REST API. */
export function buildOpenApiDocument(): JsonSchema {
  const components = new Components();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of operations)
    (paths[operation.path] ??= {})[operation.method.toLowerCase()] = operationObject(operation, components);
  paths['/healthz'] = probe('healthz', 'The process is up and serving HTTP.', { '200': 'Up.' });
  paths['/readyz'] = probe('readyz', 'The router accepts requests: its store is open and no commit has failed.', {
    '200': 'Ready.',
    '503': 'Not ready: a commit failed (docs/storage.md).',
  });
  paths['/metrics'] = {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics: queues, jobs, workers, offers, requests, commits, WebSocket connections, Node (docs/operations.md).',
      security: [{ hmac: [] }, { bearer: [] }],
      responses: {
        '200': { description: 'The text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        default: ERROR_RESPONSE,
      },
    },
  };
  paths['/openapi.json'] = {
    get: { operationId: 'getOpenApiDocument', summary: 'This document.', security: [], responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard Job Router',
      version: SUPPORTED_API_VERSIONS[0],
      description:
        'The Azure Communication Services Job Router REST API (2023-11-01), as Switchboard serves it, with its extensions marked `x-switchboard-extension`. Upserts are JSON merge patches: `null` removes an optional field. The WebSocket protocol at `/ws` is described in docs/protocol.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    security: [{ hmac: [] }, { bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        hmac: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'Azure Communication Services HMAC-SHA256 request signing with the access key (docs/security.md). A server without a key serves loopback clients only, unauthenticated.',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'A worker token from `issueWorkerToken`, or an admin token (docs/security.md).' },
      },
      schemas: { CommunicationErrorResponse: ERROR_SCHEMA, ...components.schemas() },
    },
  };
}

let served: string | undefined;

/**
 * Answers `GET /openapi.json` (before authentication: it describes the API and holds no state).
 *
 * @returns whether the request was for the document, and answered
 */
export function answerOpenApi(pathname: string, method: string, response: ServerResponse): boolean {
  if (pathname !== '/openapi.json' || method !== 'GET') return false;
  served ??= JSON.stringify(buildOpenApiDocument());
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(served) }).end(served);
  return true;
}
