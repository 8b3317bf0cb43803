// The admin app's HTTP surface through fastify inject: readiness, error mapping, and the gateway routes' wiring.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildAdminApp, type GatewayAdmin } from '../../agent/admin/admin-app.js';
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

describe('admin app', () => {
  it('answers /readyz 503 until every role is ready', async () => {
    let ready = false;
    const app = buildAdminApp({ roles: () => [role(ready)], gateway, registry: new Registry(), logger });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    ready = true;
    const reply = await app.inject({ url: '/readyz' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ ready: true, roles: { gateway: true } });
  });

  it('maps typed errors to their status and code', async () => {
    const app = buildAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
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
    const app = buildAdminApp({ roles: () => [role(true)], gateway, registry: new Registry(), logger });
    expect((await app.inject({ method: 'POST', url: '/v1/redeploy', payload: { path: API } })).json()).toEqual({ written: [API], removed: [] });
    expect((await app.inject({ method: 'POST', url: '/v1/overrides/clear', payload: { path: API } })).json()).toEqual({ cleared: [API], backups: {} });
    expect((await app.inject({ method: 'POST', url: '/v1/drift-check' })).json()).toEqual({ ok: true, repaired: 0, at: 1, durationMs: 0.5, labels: {}, drift: 0 });
    const publisherOnly = buildAdminApp({ roles: () => [], gateway: undefined, registry: new Registry(), logger });
    expect((await publisherOnly.inject({ url: '/v1/overrides' })).statusCode).toBe(404);
  });
});
