// Liveness, readiness (Redis answers PING) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import { HUB_ROUTES } from '../../core/hub-api.js';
import type { HubDeps } from '../hub-deps.js';

/** Registers /healthz, /readyz and /metrics. */
export function healthRoutes(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.get(HUB_ROUTES.healthz, () => Promise.resolve({ status: 'ok' }));

  app.get(HUB_ROUTES.readyz, async () => {
    await deps.store.ping();
    return { status: 'ready' };
  });

  app.get(HUB_ROUTES.metrics, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
  done();
}
