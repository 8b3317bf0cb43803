// Node heartbeats in, the node list out: what `artisync status` shows.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ArtisyncError } from '../../core/errors.js';
import { HUB_ROUTES, type NodeForgetResult, type NodeHeartbeat, type NodeStatus } from '../../core/hub-api.js';
import type { HubDeps } from '../hub-deps.js';

// Checks the fields the hub and `status` rely on; the rest of the heartbeat is stored as the agent sent it.
const heartbeatSchema = z.looseObject({
  node: z.string().min(1),
  roles: z.array(z.enum(['publisher', 'gateway'])),
  publisherLabels: z.array(z.string()),
  gatewayLabels: z.record(z.string(), z.looseObject({ appliedRevision: z.string(), lag: z.number() })),
  overrides: z.array(z.string()),
  invalid: z.array(z.unknown()),
  conflicts: z.array(z.unknown()),
  pending: z.number(),
  ready: z.boolean(),
});

/** Registers heartbeat, nodes and node forget. */
export function nodeRoutes(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.post(HUB_ROUTES.heartbeat, async (request): Promise<NodeStatus> => {
    const parsed = heartbeatSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `heartbeat body: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
    }
    return deps.nodes.recordHeartbeat(parsed.data as unknown as NodeHeartbeat);
  });

  app.get(HUB_ROUTES.nodes, async (): Promise<NodeStatus[]> => deps.nodes.listNodes());

  app.delete<{ Params: { node: string } }>(HUB_ROUTES.node, async (request): Promise<NodeForgetResult> => {
    const { node } = request.params;
    const labels = await deps.nodes.forgetNode(node);
    request.log.info({ node, labels, by: request.tokenNode }, 'node forgotten');
    return { node, labels };
  });
  done();
}
