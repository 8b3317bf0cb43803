// Drift check: per label, the hub's digest against this node's view (one GET each); a mismatch is repaired from a snapshot.
import { EMPTY_DIGEST } from '../../core/label-digest.js';
import { consumerGroupName } from '../../core/redis-keys.js';
import type { GatewayContext } from './gateway-context.js';
import { desiredState, viewDigest, type LabelHead } from './label-precedence.js';
import { reconcilePaths } from './path-reconciler.js';
import { loadLabelSnapshot } from './startup-sync.js';
import { compareStreamIds, maxStreamId } from './stream-id.js';

/** The outcome of one drift check. */
export interface Verification {
  at: number;
  ok: boolean;
  repaired: number;
}

/** Compares every label with the hub and repairs what differs (overrides excepted); runs in the gateway's queue. */
export async function checkDrift(ctx: GatewayContext): Promise<Verification> {
  return ctx.queue.run(async () => {
    let repaired = 0;
    let ok = true;
    for (const label of ctx.settings.labels) {
      const hub = await ctx.redis.digestAt(label);
      const known = maxStreamId(ctx.appliedRevision.get(label) ?? '0-0', ctx.syncedRevision.get(label) ?? '0-0');
      // Behind is lag, not drift: the consumer will bring those entries.
      if (compareStreamIds(hub.revision, known) > 0) continue;
      const view = ctx.views.get(label) ?? new Map<string, LabelHead>();
      if ((hub.digest ?? EMPTY_DIGEST) === viewDigest(view)) continue;
      ok = false;
      const before = [...view.keys()];
      await loadLabelSnapshot(ctx, label);
      const result = await reconcilePaths(ctx, [...before, ...(ctx.views.get(label)?.keys() ?? [])]);
      repaired += result.written.length + result.removed.length;
      ctx.logger.warn({ label, written: result.written, removed: result.removed }, 'drift repaired');
    }
    const stray = recordMismatches(ctx);
    if (stray.length > 0) {
      ok = false;
      const result = await reconcilePaths(ctx, stray);
      repaired += result.written.length + result.removed.length;
    }
    ctx.metrics.countRepairs(repaired);
    return { at: ctx.clock(), ok, repaired };
  });
}

/** True when a label's stream was trimmed past what this node applied, or its group is gone: only a full sync recovers. */
export async function needsFullSync(ctx: GatewayContext): Promise<boolean> {
  const group = consumerGroupName(ctx.settings.nodeId);
  for (const label of ctx.settings.labels) {
    if ((await ctx.redis.groupInfo(label, group)) === undefined) return true;
    if (await ctx.redis.trimmedPast(label, ctx.appliedRevision.get(label) ?? '0-0')) return true;
  }
  return false;
}

/** Paths where the applied record disagrees with the label views (a batch that failed half-way), overrides excepted. */
function recordMismatches(ctx: GatewayContext): string[] {
  const desired = desiredState(ctx.settings.labels, ctx.views);
  const stray: string[] = [];
  for (const [path, want] of desired) if (!ctx.overrides.has(path) && ctx.record.get(path)?.sha256 !== want.sha256) stray.push(path);
  for (const path of ctx.record.paths()) {
    if (!desired.has(path) && !ctx.overrides.has(path) && (ctx.record.get(path)?.sha256 ?? null) !== null) stray.push(path);
  }
  return stray;
}
