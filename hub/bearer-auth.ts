// Refuses every request but the health probes without a valid bearer token, and remembers whose token it was.
import type { FastifyInstance } from 'fastify';
import { ArtisyncError } from '../core/errors.js';
import { HUB_ROUTES } from '../core/hub-api.js';
import type { TokenRegistry } from './token-registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The node id the bearer token belongs to; undefined in insecure mode. */
    tokenNode: string | undefined;
  }
}

const OPEN_ROUTES = new Set<string>([HUB_ROUTES.healthz, HUB_ROUTES.readyz]);

/** Adds the onRequest check; with no registry (insecure mode) every request passes. */
export function registerBearerAuth(app: FastifyInstance, tokens: TokenRegistry | undefined): void {
  app.decorateRequest('tokenNode', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    if (tokens === undefined || OPEN_ROUTES.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const node = match?.[1] === undefined ? undefined : tokens.nodeOf(match[1]);
    if (node === undefined) {
      done(new ArtisyncError('ARTISYNC_UNAUTHORIZED', match === null ? 'missing bearer token' : 'invalid bearer token'));
      return;
    }
    request.tokenNode = node;
    done();
  });
}
