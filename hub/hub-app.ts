// Builds the hub's fastify app from its deps: auth, error replies, metrics and one plugin per route group. Never listens.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { HubDeps } from './hub-deps.js';
import { registerBearerAuth } from './bearer-auth.js';
import { registerErrorReplies } from './error-reply.js';
import { artifactRoutes } from './routes/artifact-routes.js';
import { changesetRoute } from './routes/changeset-route.js';
import { healthRoutes } from './routes/health-routes.js';
import { historyRoutes } from './routes/history-routes.js';
import { labelRoutes } from './routes/label-routes.js';
import { nodeRoutes } from './routes/node-routes.js';
import { replayRoute } from './routes/replay-route.js';
import { statusPagePlugin } from './ui/status-page-plugin.js';

/** Creates the app with every route of HUB_ROUTES registered; the caller listens (main.ts) or injects (tests). */
export async function buildHubApp(deps: HubDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(deps.https === undefined ? {} : { https: deps.https }),
  }) as unknown as FastifyInstance;
  registerErrorReplies(app, deps.metrics);
  registerBearerAuth(app, deps.tokens);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    request.log.debug({ method: request.method, route, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime) }, 'request done');
  });
  for (const plugin of [artifactRoutes, changesetRoute, labelRoutes, historyRoutes, replayRoute, nodeRoutes, healthRoutes, statusPagePlugin]) {
    await app.register(plugin, deps);
  }
  await app.ready();
  return app;
}
