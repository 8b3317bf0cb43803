// Refuses every request but the health probes without a valid bearer token (401), then every request its token's
// scopes do not cover (403), and remembers whose token it was.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArtisyncError } from '../core/errors.js';
import { HUB_ROUTES } from '../core/hub-api.js';
import { requiredScope } from './route-scopes.js';
import { describeScopes, mayPublish, type TokenGrant, type TokenRegistry } from './token-registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The node id the bearer token belongs to; undefined in insecure mode. */
    tokenNode: string | undefined;
    /** The token's node and scopes; undefined in insecure mode. */
    tokenGrant: TokenGrant | undefined;
  }
}

const OPEN_ROUTES = new Set<string>([HUB_ROUTES.healthz, HUB_ROUTES.readyz]);

/** The cookie the status page's browser keeps the token in (set by hub/ui/status-page-plugin.ts). */
export const UI_TOKEN_COOKIE = 'artisync_token';

/** The token a request presents: the Authorization header, or for the status page also `?token=` or its cookie. */
function presentedToken(request: FastifyRequest): { token: string | undefined; malformed: boolean } {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return { token: match?.[1], malformed: match === null };
  }
  if ((request.routeOptions.url ?? '').startsWith(HUB_ROUTES.ui)) {
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof query === 'string' && query !== '') return { token: query, malformed: false };
    const cookie = new RegExp(`(?:^|;\\s*)${UI_TOKEN_COOKIE}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1];
    if (cookie !== undefined) return { token: decodeURIComponent(cookie), malformed: false };
  }
  return { token: undefined, malformed: false };
}

function requestLine(request: FastifyRequest): string {
  return `${request.method} ${request.url.split('?')[0] ?? ''}`;
}

/** Throws the 403 a request gets when its token's scopes do not cover it. */
function checkScope(request: FastifyRequest, grant: TokenGrant): void {
  const params = (request.params ?? {}) as { label?: string };
  const needed = requiredScope(request.method, request.routeOptions.url ?? '', params.label);
  const has = `the token of ${grant.node} has ${describeScopes(grant.scopes)}`;
  if (needed.kind === 'publish' && !mayPublish(grant.scopes, needed.label)) {
    throw new ArtisyncError('ARTISYNC_SCOPE_PUBLISH', `${requestLine(request)} needs scope publish:${needed.label}; ${has}`, { subject: needed.label });
  }
  if (needed.kind === 'admin' && !grant.scopes.admin) {
    throw new ArtisyncError('ARTISYNC_SCOPE_ADMIN', `${requestLine(request)} needs scope admin; ${has}`, { subject: requestLine(request) });
  }
  if (needed.kind === 'heartbeat' && !grant.scopes.admin) {
    const node = (request.body as { node?: unknown } | undefined)?.node;
    if (typeof node === 'string' && node !== grant.node) {
      throw new ArtisyncError('ARTISYNC_NODE_MISMATCH', `${requestLine(request)} reports node ${node}, but the token belongs to node ${grant.node}`, { subject: node });
    }
  }
}

/** Adds the onRequest token check and the preHandler scope check; with no registry (insecure mode) every request passes. */
export function registerBearerAuth(app: FastifyInstance, tokens: TokenRegistry | undefined): void {
  app.decorateRequest('tokenNode', undefined);
  app.decorateRequest('tokenGrant', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    if (tokens === undefined || OPEN_ROUTES.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    const { token, malformed } = presentedToken(request);
    const grant = token === undefined ? undefined : tokens.grantOf(token);
    if (grant === undefined) {
      done(new ArtisyncError('ARTISYNC_UNAUTHORIZED', token === undefined && !malformed ? `${requestLine(request)}: missing bearer token` : `${requestLine(request)}: invalid bearer token`));
      return;
    }
    request.tokenNode = grant.node;
    request.tokenGrant = grant;
    done();
  });
  // After body parsing, so a heartbeat's node can be compared with the token's.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.tokenGrant === undefined) {
      done();
      return;
    }
    try {
      checkScope(request, request.tokenGrant);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}
