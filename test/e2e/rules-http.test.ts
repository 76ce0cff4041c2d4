import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouterRule } from '../../src/protocol/rules.schemas.ts';
import { createRuleEvaluator, type RuleEvaluatorOptions } from '../../src/rules/evaluator.ts';
import type { RuleInput, RuleOutcome } from '../../src/rules/rule-evaluator.ts';

/** What the test server saw of one request. */
interface Received {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (request: Received, response: ServerResponse) => void;

let server: Server;
let base: string;
const handlers = new Map<string, Handler>();
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request = { path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString() };
      received.push(request);
      const handler = handlers.get(url.pathname);
      if (handler) handler(request, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // Slow handlers never answer; cut their sockets so close() does not wait for them.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  handlers.clear();
  received.length = 0;
});

function json(value: unknown, status = 200): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
}

function receivedAt(path: string): Received[] {
  return received.filter((request) => request.path === path);
}

async function evaluate(rule: RouterRule, input: RuleInput, options: RuleEvaluatorOptions = {}): Promise<RuleOutcome> {
  return createRuleEvaluator(options).evaluate(rule, input);
}

function functionRule(path: string, credential?: { functionKey?: string; appKey?: string; clientId?: string }): RouterRule {
  return { kind: 'function', functionUri: `${base}${path}`, ...(credential && { credential }) };
}

describe('function rules', () => {
  it('POST the job labels with the function key in x-functions-key, and answer the 200 body', async () => {
    handlers.set('/api/priority', json(10));
    const outcome = await evaluate(functionRule('/api/priority', { functionKey: 'fn-key-1' }), { job: { Urgent: true, Product: 'O365' } });
    expect(outcome).toEqual({ ok: true, value: 10 });
    const [request] = receivedAt('/api/priority');
    expect(request?.headers['x-functions-key']).toBe('fn-key-1');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.query.has('code')).toBe(false);
    expect(JSON.parse(request?.body ?? '')).toEqual({ job: { Urgent: true, Product: 'O365' } });
  });

  it('send an app key as the code query parameter with its name as clientid', async () => {
    handlers.set('/api/priority', json(3));
    const outcome = await evaluate(functionRule('/api/priority', { appKey: 'host-key-1', clientId: 'router' }), { job: {} });
    expect(outcome).toEqual({ ok: true, value: 3 });
    const [request] = receivedAt('/api/priority');
    expect(request?.query.get('code')).toBe('host-key-1');
    expect(request?.query.get('clientid')).toBe('router');
    expect(request?.headers['x-functions-key']).toBeUndefined();
  });

  it('send the scoring payload: job, selectors and worker', async () => {
    handlers.set('/api/score', json(200));
    const input: RuleInput = {
      job: { HighPriority: true },
      selectors: [{ key: 'English', labelOperator: 'greaterThanOrEqual', value: 7 }],
      worker: { Id: 'w1', English: 10 },
    };
    expect(await evaluate(functionRule('/api/score'), input)).toEqual({ ok: true, value: 200 });
    expect(JSON.parse(receivedAt('/api/score')[0]?.body ?? '')).toEqual({
      job: { HighPriority: true },
      selectors: [{ key: 'English', operator: 'GreaterThanOrEqual', value: 7, expiresAfterSeconds: null }],
      worker: { Id: 'w1', English: 10 },
    });
  });

  it.each<[string, unknown]>([
    ['a boolean', true],
    ['an array of selectors', [{ key: 'Language', labelOperator: 'equal', value: 'en' }]],
    ['a batch of scores', [1, 0.5, 3]],
  ])('answer %s as the value', async (_what, value) => {
    handlers.set('/api/f', json(value));
    expect(await evaluate(functionRule('/api/f'), { job: {} })).toEqual({ ok: true, value });
  });

  it('fail with RuleTimeout quickly when the function does not answer in time', async () => {
    handlers.set('/api/slow', () => undefined);
    const started = performance.now();
    const outcome = await evaluate(functionRule('/api/slow'), { job: {} }, { timeoutMs: 150 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleTimeout' } });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('fail with RuleTimeout when the body trickles in past the deadline', async () => {
    handlers.set('/api/trickle', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[1,');
    });
    const outcome = await evaluate(functionRule('/api/trickle'), { job: {} }, { timeoutMs: 150 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleTimeout' } });
  });

  it('fail with RuleHttpStatus on a 500, naming the status but never the key', async () => {
    handlers.set('/api/broken', json({ error: 'boom' }, 500));
    const outcome = await evaluate(functionRule('/api/broken', { appKey: 'host-key-secret', clientId: 'router' }), { job: {} });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleHttpStatus' } });
    if (!outcome.ok) expect(outcome.error.message).toContain('500');
    expect(JSON.stringify(outcome)).not.toContain('host-key-secret');
  });

  it('fail with RuleHttpStatus on a redirect, without following it with the key', async () => {
    handlers.set('/api/moved', (_request, response) => response.writeHead(302, { location: `${base}/elsewhere` }).end());
    const outcome = await evaluate(functionRule('/api/moved', { functionKey: 'fn-key-1' }), { job: {} });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleHttpStatus' } });
    expect(receivedAt('/elsewhere')).toHaveLength(0);
  });

  it('fail with RuleBadResponse when the 200 body is not JSON', async () => {
    handlers.set('/api/text', (_request, response) => response.writeHead(200).end('ten'));
    expect(await evaluate(functionRule('/api/text'), { job: {} })).toMatchObject({ ok: false, error: { code: 'RuleBadResponse' } });
  });

  it('fail with RuleResponseTooLarge when the declared body is over the limit', async () => {
    handlers.set('/api/big', json('x'.repeat(5_000)));
    const outcome = await evaluate(functionRule('/api/big'), { job: {} }, { maxResponseBytes: 1_000 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleResponseTooLarge' } });
  });

  it('fail with RuleResponseTooLarge when a chunked body grows over the limit', async () => {
    handlers.set('/api/stream', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`"${'x'.repeat(800)}`);
      response.end(`${'x'.repeat(800)}"`);
    });
    const outcome = await evaluate(functionRule('/api/stream'), { job: {} }, { maxResponseBytes: 1_000 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleResponseTooLarge' } });
  });

  it('fail with RuleNetworkError when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const rule: RouterRule = { kind: 'function', functionUri: `http://127.0.0.1:${port}/api/gone` };
    const outcome = await evaluate(rule, { job: {} });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleNetworkError' } });
    if (!outcome.ok) expect(outcome.error.message).toContain('ECONNREFUSED');
  });
});

describe('webhook rules', () => {
  const tokenPath = '/oauth/token';
  let clock = 0;
  let tokensIssued = 0;

  /** A token endpoint issuing tok-1, tok-2, … each valid for `expiresIn` seconds. */
  function issueTokens(expiresIn = 3600, delayMs = 0): void {
    handlers.set(tokenPath, (_request, response) => {
      tokensIssued += 1;
      const body = JSON.stringify({ access_token: `tok-${tokensIssued}`, token_type: 'Bearer', expires_in: expiresIn });
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(body), delayMs);
    });
  }

  /** A webhook answering `value` to tokens it accepts and 401 to the others. */
  function webhookAccepting(accepted: (token: string) => boolean, value: unknown = 42): void {
    handlers.set('/hook', (request, response) => {
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (accepted(token)) json(value)(request, response);
      else response.writeHead(401).end();
    });
  }

  function webhookRule(overrides: Partial<Extract<RouterRule, { kind: 'webhook' }>> = {}): RouterRule {
    return {
      kind: 'webhook',
      authorizationServerUri: `${base}${tokenPath}`,
      clientCredential: { clientId: 'router-app', clientSecret: 'client-secret-value' },
      webhookUri: `${base}/hook`,
      ...overrides,
    };
  }

  beforeEach(() => {
    clock = 1_000_000;
    tokensIssued = 0;
  });

  const options = (extra: RuleEvaluatorOptions = {}): RuleEvaluatorOptions => ({ now: () => clock, ...extra });

  it('fetch a client-credentials token once and reuse it across calls', async () => {
    issueTokens();
    webhookAccepting((token) => token === 'tok-1');
    const evaluator = createRuleEvaluator(options());
    for (let i = 0; i < 3; i++) expect(await evaluator.evaluate(webhookRule(), { job: { A: i } })).toEqual({ ok: true, value: 42 });

    const tokenRequests = receivedAt(tokenPath);
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'router-app',
      client_secret: 'client-secret-value',
    });
    const hooks = receivedAt('/hook');
    expect(hooks.map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    expect(JSON.parse(hooks[2]?.body ?? '')).toEqual({ job: { A: 2 } });
  });

  it('refresh the token shortly before it expires, by the injected clock', async () => {
    issueTokens(3600);
    webhookAccepting(() => true);
    const evaluator = createRuleEvaluator(options());
    await evaluator.evaluate(webhookRule(), { job: {} });
    clock += 3_500_000; // 100 s before expiry: still reused
    await evaluator.evaluate(webhookRule(), { job: {} });
    expect(receivedAt(tokenPath)).toHaveLength(1);
    clock += 60_000; // 40 s before expiry: inside the refresh margin
    await evaluator.evaluate(webhookRule(), { job: {} });
    expect(receivedAt(tokenPath)).toHaveLength(2);
    expect(receivedAt('/hook').map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('share one in-flight token request between concurrent evaluations', async () => {
    issueTokens(3600, 100);
    webhookAccepting((token) => token === 'tok-1');
    const evaluator = createRuleEvaluator(options());
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => evaluator.evaluate(webhookRule(), { job: {} })));
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ ok: true, value: 42 })));
    expect(receivedAt(tokenPath)).toHaveLength(1);
  });

  it('keep tokens apart per client id', async () => {
    issueTokens();
    webhookAccepting(() => true);
    const evaluator = createRuleEvaluator(options());
    await evaluator.evaluate(webhookRule(), { job: {} });
    await evaluator.evaluate(webhookRule({ clientCredential: { clientId: 'other-app', clientSecret: 's' } }), { job: {} });
    expect(receivedAt(tokenPath)).toHaveLength(2);
  });

  it('on a 401, drop the cached token and retry once with a fresh one', async () => {
    issueTokens();
    webhookAccepting((token) => token !== 'tok-1'); // tok-1 was revoked early
    const evaluator = createRuleEvaluator(options());
    expect(await evaluator.evaluate(webhookRule(), { job: {} })).toEqual({ ok: true, value: 42 });
    expect(receivedAt('/hook').map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    // The fresh token is the one cached now.
    expect(await evaluator.evaluate(webhookRule(), { job: {} })).toEqual({ ok: true, value: 42 });
    expect(receivedAt(tokenPath)).toHaveLength(2);
  });

  it('retry a 401 only once, then fail with RuleHttpStatus', async () => {
    issueTokens();
    webhookAccepting(() => false);
    const outcome = await evaluate(webhookRule(), { job: {} }, options());
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleHttpStatus' } });
    expect(receivedAt('/hook')).toHaveLength(2);
    expect(receivedAt(tokenPath)).toHaveLength(2);
  });

  it('fail with RuleTokenFailed when the authorization server refuses, without calling the webhook or caching the failure', async () => {
    handlers.set(tokenPath, json({ error: 'invalid_client' }, 400));
    webhookAccepting(() => true);
    const evaluator = createRuleEvaluator(options());
    const outcome = await evaluator.evaluate(webhookRule(), { job: {} });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleTokenFailed' } });
    expect(JSON.stringify(outcome)).not.toContain('client-secret-value');
    expect(receivedAt('/hook')).toHaveLength(0);

    issueTokens();
    expect(await evaluator.evaluate(webhookRule(), { job: {} })).toEqual({ ok: true, value: 42 });
  });

  it('fail with RuleTokenFailed when the token answer has no access_token', async () => {
    handlers.set(tokenPath, json({ token_type: 'Bearer' }));
    expect(await evaluate(webhookRule(), { job: {} }, options())).toMatchObject({ ok: false, error: { code: 'RuleTokenFailed' } });
  });

  it('fail with RuleTimeout when the authorization server is too slow', async () => {
    issueTokens(3600, 1_000);
    const started = performance.now();
    const outcome = await evaluate(webhookRule(), { job: {} }, options({ timeoutMs: 150 }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RuleTimeout' } });
    expect(performance.now() - started).toBeLessThan(800);
  });

  it('call a webhook without an authorization server with no Authorization header', async () => {
    webhookAccepting(() => true, 7);
    const rule = webhookRule({ authorizationServerUri: undefined, clientCredential: undefined });
    expect(await evaluate(rule, { job: {} }, options())).toEqual({ ok: true, value: 7 });
    expect(receivedAt('/hook')[0]?.headers.authorization).toBeUndefined();
  });
});
