// The node-local admin API (fastify): health, readiness, metrics, the gateway's artifacts, overrides and verify, and
// the publisher's held deletes.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ArtisyncError, NotFoundError, type ErrorCode } from '../../core/errors.js';
import type { DeployFailure, ErrorBody } from '../../core/hub-api.js';
import type { AgentRole } from '../agent-role.js';
import {
  ADMIN_ROUTES,
  type AdminPathRequest,
  type ArtifactStatus,
  type ClearOverridesReply,
  type ClearOverridesRequest,
  type ConfirmDeletesReply,
  type ConfirmDeletesRequest,
  type DriftCheckReply,
  type HeldDeletes,
  type Override,
  type ReadyReply,
  type RedeployReply,
  type VerifyReport,
} from './admin-routes.js';

/** What the admin API asks of the gateway role. */
export interface GatewayAdmin {
  listArtifacts(): ArtifactStatus[];
  getArtifact(path: string): ArtifactStatus;
  redeploy(path: string): Promise<RedeployReply>;
  undeploy(path: string): Promise<void>;
  overrides(): Override[];
  deployFailures(): DeployFailure[];
  clearOverrides(target: { path: string } | { all: true }): Promise<ClearOverridesReply>;
  verify(): Promise<VerifyReport>;
  checkDrift(): Promise<DriftCheckReply>;
}

/** What the admin API asks of the publisher role. */
export interface PublisherAdmin {
  heldDeletes(): HeldDeletes[];
  /** Releases a label's held deletes; throws NotFoundError when the label is not published here or holds none. */
  confirmDeletes(label: string): ConfirmDeletesReply;
}

/** Everything the admin app reads. */
export interface AdminAppDeps {
  roles: () => readonly AgentRole[];
  gateway: GatewayAdmin | undefined;
  publisher?: PublisherAdmin;
  registry: Registry;
  logger: Logger;
}

/** Builds the admin app; the caller listens (loopback unless admin_allow_remote). */
export function buildAdminApp(deps: AdminAppDeps): FastifyInstance {
  // Warn level: fastify logs every request at info, which would flood journald with CLI and probe calls.
  const logger = deps.logger.child({ component: 'admin' }, { level: 'warn' }) as unknown as FastifyBaseLogger;
  const app: FastifyInstance = Fastify({ loggerInstance: logger });
  app.setErrorHandler((err: Error, _request, reply) => {
    const known = err instanceof ArtisyncError;
    const code: ErrorCode = known ? err.code : 'ARTISYNC_INTERNAL';
    const status = known ? err.httpStatus : (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) deps.logger.error({ err }, 'admin request failed');
    const body: ErrorBody = { error: { code: status === 400 && !known ? 'ARTISYNC_BAD_REQUEST' : code, message: err.message } };
    if (known && err.subject !== undefined) body.error.subject = err.subject;
    void reply.status(status).send(body);
  });
  app.get(ADMIN_ROUTES.healthz, () => ({ ok: true }));
  app.get(ADMIN_ROUTES.readyz, (_request, reply) => {
    const roles = Object.fromEntries(deps.roles().map((role) => [role.name, role.isReady()]));
    const ready = deps.roles().length > 0 && Object.values(roles).every(Boolean);
    const body: ReadyReply = { ready, roles };
    return reply.status(ready ? 200 : 503).send(body);
  });
  app.get(ADMIN_ROUTES.metrics, async (_request, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  registerGatewayRoutes(app, () => {
    if (deps.gateway === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', 'this node does not run the gateway role');
    return deps.gateway;
  });
  registerPublisherRoutes(app, () => {
    if (deps.publisher === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', 'this node does not run the publisher role');
    return deps.publisher;
  });
  return app;
}

function registerPublisherRoutes(app: FastifyInstance, publisher: () => PublisherAdmin): void {
  const labelBody = { type: 'object', required: ['label'], properties: { label: { type: 'string', minLength: 1 } } } as const;
  app.get(ADMIN_ROUTES.deletes, () => publisher().heldDeletes());
  app.post<{ Body: ConfirmDeletesRequest }>(ADMIN_ROUTES.confirmDeletes, { schema: { body: labelBody } }, (request) => publisher().confirmDeletes(request.body.label));
}

function registerGatewayRoutes(app: FastifyInstance, gateway: () => GatewayAdmin): void {
  const pathBody = { type: 'object', required: ['path'], properties: { path: { type: 'string', minLength: 1 } } } as const;
  app.get(ADMIN_ROUTES.artifacts, () => gateway().listArtifacts());
  app.get<{ Querystring: AdminPathRequest }>(ADMIN_ROUTES.artifact, { schema: { querystring: pathBody } }, (request) => gateway().getArtifact(request.query.path));
  app.post<{ Body: AdminPathRequest }>(ADMIN_ROUTES.redeploy, { schema: { body: pathBody } }, (request) => gateway().redeploy(request.body.path));
  app.post<{ Body: AdminPathRequest }>(ADMIN_ROUTES.undeploy, { schema: { body: pathBody } }, async (request) => {
    await gateway().undeploy(request.body.path);
    return { undeployed: request.body.path };
  });
  app.get(ADMIN_ROUTES.overrides, () => gateway().overrides());
  app.get(ADMIN_ROUTES.deployFailures, () => gateway().deployFailures());
  app.post<{ Body: ClearOverridesRequest }>(ADMIN_ROUTES.clearOverrides, async (request) => {
    const body = request.body ?? {};
    if (body.all === true) return gateway().clearOverrides({ all: true });
    if (typeof body.path !== 'string' || body.path.length === 0) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'give a path or all: true');
    return gateway().clearOverrides({ path: body.path });
  });
  app.get(ADMIN_ROUTES.verify, () => gateway().verify());
  app.post(ADMIN_ROUTES.driftCheck, () => gateway().checkDrift());
}
