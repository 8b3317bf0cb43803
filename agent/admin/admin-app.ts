// The node-local admin API on node:http: health, readiness, metrics, the gateway's artifacts, overrides and verify, and
// the publisher's held deletes. Plain node:http rather than a framework: an idle agent is memory-bound, and fourteen
// routes with one string field each need no router or schema compiler (docs/deployment-memory.md).
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ArtisyncError, NotFoundError, type ErrorCode } from '../../core/errors.js';
import type { DeployFailure, ErrorBody } from '../../core/hub-api.js';
import type { AgentRole } from '../agent-role.js';
import { checkAdminMediaType, parseAdminQuery, readAdminBody, requireAdminString } from './admin-request.js';
import {
  ADMIN_ROUTES,
  type ArtifactStatus,
  type ClearOverridesReply,
  type ClearOverridesRequest,
  type ConfirmDeletesReply,
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

/** A running or not yet listening admin API. */
export interface AdminApp {
  /** Listens on `host:port`; on `localhost`, on each address it resolves to (127.0.0.1 and ::1), as fastify did. */
  listen(address: { host: string; port: number }): Promise<void>;
  /** The port listened on (useful with port 0). */
  port(): number;
  /** Stops accepting connections, closes idle keep-alive ones, and resolves when the servers have closed. */
  close(): Promise<void>;
}

/** One route's reply: a JSON value, or text with its own content type. */
type RouteReply = { status?: number; json: unknown } | { status?: number; text: string; contentType: string };

/** What a route handler receives. */
interface RouteRequest {
  query: Map<string, string[]>;
  body: unknown;
}

type RouteHandler = (request: RouteRequest) => RouteReply | Promise<RouteReply>;

/** Builds the admin app; the caller listens (loopback unless admin_allow_remote). */
export function buildAdminApp(deps: AdminAppDeps): AdminApp {
  const routes = new Map<string, RouteHandler>([...baseRoutes(deps), ...gatewayRoutes(() => {
    if (deps.gateway === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', 'this node does not run the gateway role');
    return deps.gateway;
  }), ...publisherRoutes(() => {
    if (deps.publisher === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', 'this node does not run the publisher role');
    return deps.publisher;
  })]);
  const servers: Server[] = [];
  let listening = 0;
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    void answer(routes, deps.logger, request, response);
  };
  return {
    async listen(address) {
      const hosts = address.host === 'localhost' ? (await lookup('localhost', { all: true })).map((found) => found.address) : [address.host];
      for (const host of hosts) {
        const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, handle);
        await listenOn(server, host, listening === 0 ? address.port : listening);
        servers.push(server);
        listening = (server.address() as { port: number }).port;
      }
    },
    port: () => listening,
    async close() {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })));
    },
  };
}

// fastify's default: longer than the 60 s most HTTP clients and load balancers keep an idle connection.
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function answer(routes: Map<string, RouteHandler>, logger: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  // HEAD answers like GET without the body (fastify's exposeHeadRoutes).
  const handler = routes.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
  if (handler === undefined) {
    request.resume();
    send(response, 404, { message: `Route ${method}:${url} not found`, error: 'Not Found', statusCode: 404 }, method);
    return;
  }
  try {
    // Only POST routes take a body; any other is drained unread, as fastify ignored bodies of GET and HEAD.
    if (method !== 'POST') request.resume();
    const body = method === 'POST' ? await readBodyOrClose(request, response) : undefined;
    const reply = await handler({ query: parseAdminQuery(at === -1 ? '' : url.slice(at + 1)), body });
    if ('json' in reply) send(response, reply.status ?? 200, reply.json, method);
    else sendText(response, reply.status ?? 200, reply.text, reply.contentType, method);
  } catch (err) {
    const [status, errorBody] = describeFailure(err as Error, logger);
    send(response, status, errorBody, method);
  }
}

// A body that could not be read or parsed may leave unread bytes on the connection, so it is closed after the reply.
async function readBodyOrClose(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  checkAdminMediaType(request);
  try {
    return await readAdminBody(request);
  } catch (err) {
    response.setHeader('connection', 'close');
    throw err;
  }
}

function describeFailure(err: Error, logger: Logger): [number, ErrorBody] {
  const known = err instanceof ArtisyncError;
  const code: ErrorCode = known ? err.code : 'ARTISYNC_INTERNAL';
  const status = known ? err.httpStatus : (err as { statusCode?: number }).statusCode ?? 500;
  if (status >= 500) logger.error({ err }, 'admin request failed');
  const body: ErrorBody = { error: { code: status === 400 && !known ? 'ARTISYNC_BAD_REQUEST' : code, message: err.message } };
  if (known && err.subject !== undefined) body.error.subject = err.subject;
  return [status, body];
}

function send(response: ServerResponse, status: number, value: unknown, method: string): void {
  sendText(response, status, JSON.stringify(value), 'application/json; charset=utf-8', method);
}

function sendText(response: ServerResponse, status: number, text: string, contentType: string, method: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(method === 'HEAD' ? undefined : text);
}

function baseRoutes(deps: AdminAppDeps): [string, RouteHandler][] {
  return [
    [`GET ${ADMIN_ROUTES.healthz}`, () => ({ json: { ok: true } })],
    [`GET ${ADMIN_ROUTES.readyz}`, () => {
      const roles = Object.fromEntries(deps.roles().map((role) => [role.name, role.isReady()]));
      const ready = deps.roles().length > 0 && Object.values(roles).every(Boolean);
      const body: ReadyReply = { ready, roles };
      return { status: ready ? 200 : 503, json: body };
    }],
    [`GET ${ADMIN_ROUTES.metrics}`, async () => ({ text: await deps.registry.metrics(), contentType: deps.registry.contentType })],
  ];
}

function publisherRoutes(publisher: () => PublisherAdmin): [string, RouteHandler][] {
  return [
    [`GET ${ADMIN_ROUTES.deletes}`, () => ({ json: publisher().heldDeletes() })],
    [`POST ${ADMIN_ROUTES.confirmDeletes}`, ({ body }) => {
      const label = requireAdminString(body, 'body', 'label');
      return { json: publisher().confirmDeletes(label) };
    }],
  ];
}

function gatewayRoutes(gateway: () => GatewayAdmin): [string, RouteHandler][] {
  return [
    [`GET ${ADMIN_ROUTES.artifacts}`, () => ({ json: gateway().listArtifacts() })],
    [`GET ${ADMIN_ROUTES.artifact}`, ({ query }) => {
      const path = requireAdminString(query, 'querystring', 'path');
      return { json: gateway().getArtifact(path) };
    }],
    [`POST ${ADMIN_ROUTES.redeploy}`, async ({ body }) => {
      const path = requireAdminString(body, 'body', 'path');
      return { json: await gateway().redeploy(path) };
    }],
    [`POST ${ADMIN_ROUTES.undeploy}`, async ({ body }) => {
      const path = requireAdminString(body, 'body', 'path');
      await gateway().undeploy(path);
      return { json: { undeployed: path } };
    }],
    [`GET ${ADMIN_ROUTES.overrides}`, () => ({ json: gateway().overrides() })],
    [`GET ${ADMIN_ROUTES.deployFailures}`, () => ({ json: gateway().deployFailures() })],
    [`POST ${ADMIN_ROUTES.clearOverrides}`, async ({ body }) => {
      const request = (body ?? {}) as ClearOverridesRequest;
      if (request.all === true) return { json: await gateway().clearOverrides({ all: true }) };
      if (typeof request.path !== 'string' || request.path.length === 0) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'give a path or all: true');
      return { json: await gateway().clearOverrides({ path: request.path }) };
    }],
    [`GET ${ADMIN_ROUTES.verify}`, async () => ({ json: await gateway().verify() })],
    [`POST ${ADMIN_ROUTES.driftCheck}`, async () => ({ json: await gateway().checkDrift() })],
  ];
}
