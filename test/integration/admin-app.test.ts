// The admin app's HTTP surface on a loopback port: readiness, error mapping, the gateway routes' wiring, and the answers
// to malformed requests (the bodies fastify gave, which clients may have come to rely on).
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildAdminApp, type AdminApp, type AdminAppDeps, type GatewayAdmin } from '../../agent/admin/admin-app.js';
import type { AgentRole } from '../../agent/agent-role.js';
import { parseArtifactPath } from '../../core/artifact-path.js';
import { NotFoundError } from '../../core/errors.js';

const API = 'synapse-configs/default/api/a.xml';
const logger = pino({ level: 'silent' });

function role(ready: boolean): AgentRole {
  return { name: 'gateway', isReady: () => ready, report: () => ({}), stop: () => Promise.resolve() };
}

// A gateway that knows one path; it validates paths with core's real parser, as the real actions do.
const gateway: GatewayAdmin = {
  listArtifacts: () => [{ path: API, state: 'synced', hubVersion: 1 }],
  getArtifact: (raw) => {
    const path = parseArtifactPath(raw);
    if (path !== API) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no artifact ${path}`, { subject: path });
    return { path, state: 'synced' };
  },
  redeploy: (path) => Promise.resolve({ written: [path], removed: [] }),
  undeploy: () => Promise.resolve(),
  overrides: () => [],
  deployFailures: () => [],
  clearOverrides: (target) => Promise.resolve({ cleared: 'all' in target ? [] : [target.path], backups: {} }),
  verify: () => Promise.resolve({ ok: true, revisions: {}, missing: [], stale: [], extra: [], overridden: [] }),
  checkDrift: () => Promise.resolve({ ok: true, repaired: 0, at: 1, durationMs: 0.5, labels: {}, drift: 0 }),
};

const started: AdminApp[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** What a test reads of one reply. */
interface Reply {
  statusCode: number;
  headers: Headers;
  body: string;
  json(): unknown;
}

/** An admin app listening on a free loopback port, with `inject` sending one request to it. */
async function startAdminApp(deps: AdminAppDeps): Promise<{ inject(request: { method?: string; url: string; payload?: unknown; headers?: Record<string, string> }): Promise<Reply> }> {
  const app = buildAdminApp(deps);
  started.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    async inject({ method = 'GET', url, payload, headers = {} }) {
      const json = payload !== undefined && typeof payload !== 'string';
      const response = await fetch(`http://127.0.0.1:${app.port()}${url}`, {
        method,
        headers: json ? { 'content-type': 'application/json', ...headers } : headers,
        ...(payload === undefined ? {} : { body: json ? JSON.stringify(payload) : payload }),
      });
      const body = await response.text();
      return { statusCode: response.status, headers: response.headers, body, json: () => JSON.parse(body) as unknown };
    },
  };
}

describe('admin app', () => {
  it('answers /readyz 503 until every role is ready', async () => {
    let ready = false;
    const app = await startAdminApp({ roles: () => [role(ready)], gateway, registry: new Registry(), logger });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    ready = true;
    const reply = await app.inject({ url: '/readyz' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ ready: true, roles: { gateway: true } });
  });

  it('maps typed errors to their status and code', async () => {
    const app = await startAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
    const escape = await app.inject({ url: `/v1/artifact?path=${encodeURIComponent('synapse-configs/../../etc/passwd')}` });
    expect(escape.statusCode).toBe(400);
    expect(escape.json()).toMatchObject({ error: { code: 'ARTISYNC_PATH_ESCAPES_TREE' } });
    const missing = await app.inject({ url: `/v1/artifact?path=${encodeURIComponent('executionplans/x.siddhiql')}` });
    expect(missing.statusCode).toBe(404);
    const noBody = await app.inject({ method: 'POST', url: '/v1/overrides/clear', payload: {} });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json()).toMatchObject({ error: { code: 'ARTISYNC_BAD_REQUEST' } });
  });

  it('routes redeploy and clear to the gateway, and refuses them on a node without one', async () => {
    const app = await startAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
    expect((await app.inject({ method: 'POST', url: '/v1/redeploy', payload: { path: API } })).json()).toEqual({ written: [API], removed: [] });
    expect((await app.inject({ method: 'POST', url: '/v1/overrides/clear', payload: { path: API } })).json()).toEqual({ cleared: [API], backups: {} });
    expect((await app.inject({ method: 'POST', url: '/v1/drift-check' })).json()).toEqual({ ok: true, repaired: 0, at: 1, durationMs: 0.5, labels: {}, drift: 0 });
    const publisherOnly = await startAdminApp({ roles: () => [], gateway: undefined, registry: new Registry(), logger });
    expect((await publisherOnly.inject({ url: '/v1/overrides' })).statusCode).toBe(404);
  });

  it('answers malformed requests with the status and body the API has always given', async () => {
    const app = await startAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
    const unknown = await app.inject({ url: '/nope?x=1' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ message: 'Route GET:/nope?x=1 not found', error: 'Not Found', statusCode: 404 });
    expect((await app.inject({ method: 'POST', url: '/healthz' })).statusCode).toBe(404);
    const head = await app.inject({ method: 'HEAD', url: '/healthz' });
    expect([head.statusCode, head.body]).toEqual([200, '']);
    const bad = async (request: Parameters<typeof app.inject>[0]) => {
      const reply = await app.inject(request);
      return [reply.statusCode, reply.json()];
    };
    const badRequest = (message: string) => [400, { error: { code: 'ARTISYNC_BAD_REQUEST', message } }];
    expect(await bad({ url: '/v1/artifact' })).toEqual(badRequest("querystring must have required property 'path'"));
    expect(await bad({ url: '/v1/artifact?path=' })).toEqual(badRequest('querystring/path must NOT have fewer than 1 characters'));
    expect(await bad({ url: '/v1/artifact?path=a&path=b' })).toEqual(badRequest('querystring/path must be string'));
    expect(await bad({ method: 'POST', url: '/v1/redeploy' })).toEqual(badRequest('body must be object'));
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: { path: null } })).toEqual(badRequest('body/path must NOT have fewer than 1 characters'));
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: { path: {} } })).toEqual(badRequest('body/path must be string'));
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: [] })).toEqual(badRequest('body must be object'));
    const json = { 'content-type': 'application/json' };
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: '', headers: json })).toEqual(badRequest("Body cannot be empty when content-type is set to 'application/json'"));
    expect(await bad({ method: 'POST', url: '/v1/drift-check', payload: '{bad', headers: json })).toEqual(badRequest("Body is not valid JSON but content-type is set to 'application/json'"));
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: 'x', headers: { 'content-type': 'application/xml' } }))
      .toEqual([415, { error: { code: 'ARTISYNC_INTERNAL', message: 'Unsupported Media Type' } }]);
    expect(await bad({ method: 'POST', url: '/v1/redeploy', payload: { path: 'x'.repeat(1_100_000) } }))
      .toEqual([413, { error: { code: 'ARTISYNC_INTERNAL', message: 'Request body is too large' } }]);
  });

  it('coerces a path given as a number or a one-item list, as the route schemas did', async () => {
    const app = await startAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
    expect((await app.inject({ method: 'POST', url: '/v1/redeploy', payload: { path: 5 } })).json()).toEqual({ written: ['5'], removed: [] });
    expect((await app.inject({ method: 'POST', url: '/v1/redeploy', payload: { path: [API] } })).json()).toEqual({ written: [API], removed: [] });
    expect((await app.inject({ url: `/v1/artifact?path=${API.replaceAll('/', '%2F')}` })).json()).toEqual({ path: API, state: 'synced' });
    const metrics = await app.inject({ url: '/metrics' });
    expect([metrics.statusCode, metrics.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
  });
});
