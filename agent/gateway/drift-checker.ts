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

/** One label's drift check: skipped while the node is behind, since that is lag, not drift. */
export interface LabelCheck {
  /** False when the node had not caught up with the stream, so nothing could be compared. */
  compared: boolean;
  repaired: number;
}

/** Compares every label with the hub and repairs what differs (overrides excepted); runs in the gateway's queue. */
export async function checkDrift(ctx: GatewayContext): Promise<Verification> {
  return ctx.queue.run(async () => {
    let repaired = 0;
    let ok = true;
    for (const label of ctx.settings.labels) {
      const check = await repairLabel(ctx, label);
      repaired += check.repaired;
      if (check.repaired > 0) ok = false;
    }
    const stray = recordMismatches(ctx);
    if (stray.length > 0) {
      ok = false;
      const result = await reconcilePaths(ctx, stray);
      repaired += result.written.length + result.removed.length;
      ctx.metrics.countRepairs(result.written.length + result.removed.length);
    }
    return { at: ctx.clock(), ok, repaired };
  });
}

/** Compares one label's digest with the node's view and, on a mismatch, repairs it from a snapshot. Call inside the queue. */
export async function repairLabel(ctx: GatewayContext, label: string): Promise<LabelCheck> {
  const hub = await ctx.redis.digestAt(label);
  const known = maxStreamId(ctx.appliedRevision.get(label) ?? '0-0', ctx.syncedRevision.get(label) ?? '0-0');
  if (compareStreamIds(hub.revision, known) > 0) return { compared: false, repaired: 0 };
  const view = ctx.views.get(label) ?? new Map<string, LabelHead>();
  if ((hub.digest ?? EMPTY_DIGEST) === viewDigest(view)) return { compared: true, repaired: 0 };
  const before = [...view.keys()];
  await loadLabelSnapshot(ctx, label);
  const result = await reconcilePaths(ctx, [...before, ...(ctx.views.get(label)?.keys() ?? [])]);
  const repaired = result.written.length + result.removed.length;
  ctx.metrics.countRepairs(repaired);
  ctx.logger.warn({ label, written: result.written, removed: result.removed }, 'drift repaired');
  // A mismatch that needed no file change still counts once: the view had missed an event.
  return { compared: true, repaired: Math.max(repaired, 1) };
}

/** True when a label's consumer group is gone (e.g. Redis lost its data): only a full sync recovers. */
export async function needsFullSync(ctx: GatewayContext): Promise<boolean> {
  const group = consumerGroupName(ctx.settings.nodeId);
  for (const label of ctx.settings.labels) if ((await ctx.redis.groupInfo(label, group)) === undefined) return true;
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
