// Commits checked changes through the store and records what happened: metrics, conflict and commit logs.
import type { FastifyRequest } from 'fastify';
import type { HubDeps } from './hub-deps.js';
import type { CommitOutcome, StoreChange } from './store/redis-artifact-store.js';
import { HUB_HEADERS } from '../core/hub-api.js';

/** Who made a change: the x-artisync-node header, the body's node, the token's node, else "unknown". */
export function requestNode(request: FastifyRequest, bodyNode?: string): string {
  const header = request.headers[HUB_HEADERS.node];
  if (typeof header === 'string' && header !== '') return header;
  if (bodyNode !== undefined && bodyNode !== '') return bodyNode;
  return request.tokenNode ?? 'unknown';
}

/** Commits one changeset as one revision and accounts for it. */
export async function commitChanges(
  deps: Pick<HubDeps, 'store' | 'metrics' | 'logger' | 'durability'>,
  label: string,
  node: string,
  requestId: string | undefined,
  changes: StoreChange[],
): Promise<CommitOutcome> {
  const started = performance.now();
  const outcome = await deps.store.commitChangeset({ label, node, changes, ...(requestId === undefined ? {} : { requestId }) });
  // Also after a retried request id or an unchanged head: the first reply may have been an ARTISYNC_NOT_DURABLE.
  await deps.durability?.confirm(label);
  let written = 0;
  for (const item of outcome.items) {
    if (item.refused !== undefined) {
      deps.metrics.rejects.inc({ code: item.refused.code });
      deps.logger.warn({ label, path: item.path, node }, 'edit conflict refused');
      continue;
    }
    if (item.result === undefined || item.result.unchanged) continue;
    written += 1;
    if (item.result.conflict) {
      deps.metrics.conflicts.inc({ label });
      deps.logger.warn({ label, path: item.path, version: item.result.version, node }, 'edit conflict recorded');
    }
  }
  deps.metrics.versionsWritten.inc({ label }, written);
  if (written > 0) {
    deps.logger.info({ label, revision: outcome.revision, node, count: written, durationMs: Math.round(performance.now() - started) }, 'changeset committed');
  }
  return outcome;
}
