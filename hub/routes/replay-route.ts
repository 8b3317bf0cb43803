// POST replay: rewinds a gateway node's consumer group on a label so it re-applies from a revision or a time.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ArtisyncError } from '../../core/errors.js';
import { HUB_ROUTES, type ReplayResult } from '../../core/hub-api.js';
import type { HubDeps } from '../hub-deps.js';

const replaySchema = z.object({ node: z.string().min(1), from: z.string().optional(), since: z.string().optional() });

/** Registers replay; the reply's revision is the first one the node will re-apply. */
export function replayRoute(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.post<{ Params: { label: string } }>(HUB_ROUTES.replay, async (request): Promise<ReplayResult> => {
    const parsed = replaySchema.safeParse(request.body);
    const body = parsed.success ? parsed.data : undefined;
    if (body === undefined || (body.from === undefined) === (body.since === undefined)) {
      throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'replay body must be {"node": id} with exactly one of "from" (revision) or "since" (time)');
    }
    const revision = body.from ?? `${sinceMs(body.since ?? '', deps.now())}-0`;
    const { label } = request.params;
    await deps.nodes.rewindGroup(label, body.node, revision, body.from === undefined ? 'since' : 'from');
    request.log.info({ label, node: body.node, revision }, 'consumer group rewound');
    return { label, node: body.node, revision };
  });
  done();
}

/** How far past the hub's clock a `since` may lie: the caller's clock may run a little ahead. */
const CLOCK_SKEW_MS = 5_000;

function sinceMs(since: string, now: number): number {
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
  if (!Number.isFinite(ms) || ms < 0) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `since ${JSON.stringify(since)} is neither ISO-8601 nor ms since the epoch`, { subject: since });
  if (ms > now + CLOCK_SKEW_MS) {
    const hubTime = new Date(now).toISOString();
    throw new ArtisyncError('ARTISYNC_TIME_IN_FUTURE', `since ${since} is in the future (hub time ${hubTime}): nothing newer would ever be delivered`, { subject: since });
  }
  return ms;
}
