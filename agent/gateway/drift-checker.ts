// Drift check: per label, the hub's digest against this node's view, then the files on disk against the hub's heads.
import { EMPTY_DIGEST } from '../../core/label-digest.js';
import { consumerGroupName } from '../../core/redis-keys.js';
import { hashFile } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { desiredState, viewDigest, type DesiredArtifact, type LabelHead, type LabelViews } from './label-precedence.js';
import { checkPath, type OverrideWatchParts } from './override-watcher.js';
import { reconcilePaths } from './path-reconciler.js';
import { loadLabelSnapshot, type StartupSyncParts } from './startup-sync.js';
import { compareStreamIds, maxStreamId } from './stream-id.js';
import { inTreesOnly } from './synced-trees.js';

/** What the drift check reads and updates. */
export type DriftCheckParts = StartupSyncParts & OverrideWatchParts & Pick<GatewayParts, 'diskPrints' | 'notCompared'>;

/** How one label came out of a drift check: `not-compared` when the node was behind its stream or Redis failed. */
export type LabelCheckState = 'ok' | 'repaired' | 'not-compared';

/** One label's part of a drift check. */
export interface LabelVerification {
  state: LabelCheckState;
  /** Why the label could not be compared, or what a repair found. */
  reason?: string;
}

/** The outcome of one drift check. */
export interface Verification {
  at: number;
  /** True only when every label was compared and nothing differed, on disk or in the view. */
  ok: boolean;
  repaired: number;
  labels: Record<string, LabelVerification>;
  /** Files on disk that differed from the hub's heads (overrides excepted) when the round looked. */
  drift: number;
}

/** One label's digest check, for the stream consumer's trim suspects. */
export interface LabelCheck {
  /** False when the node had not caught up with the stream, so nothing could be compared. */
  compared: boolean;
  repaired: number;
}

/**
 * Compares every label and the disk with the hub and repairs what differs (overrides excepted). The disk is scanned
 * before the round enters the gateway's queue, so changesets are not held up by 10,000 stats; paths that seem to
 * differ are looked at again inside it.
 */
export async function checkDrift(ctx: DriftCheckParts): Promise<Verification> {
  const scanned = await ctx.diskPrints.manifest(ctx.settings.serverRoot, ctx.settings.trees);
  return ctx.queue.run(async () => {
    const labels: Record<string, LabelVerification> = {};
    let repaired = 0;
    for (const label of ctx.settings.labels) {
      const check = await checkLabel(ctx, label);
      labels[label] = check.verification;
      repaired += check.repaired;
    }
    // The views do not change from here on (repairs below only write files): the winning heads are worked out once.
    const desired = inTreesOnly(ctx.settings.trees, desiredState(ctx.settings.labels, ctx.views));
    const stray = recordMismatches(ctx, desired);
    if (stray.length > 0) {
      const result = await reconcilePaths(ctx, stray);
      repaired += result.written.length + result.removed.length;
      ctx.metrics.countRepairs(result.written.length + result.removed.length);
    }
    const compared = new Set(ctx.settings.labels.filter((label) => labels[label]?.state !== 'not-compared'));
    const disk = await compareDisk(ctx, compared, scanned, desired);
    repaired += disk.repaired;
    const allOk = Object.values(labels).every((item) => item.state === 'ok');
    return { at: ctx.clock(), ok: allOk && stray.length === 0 && repaired === 0 && disk.drift === 0, repaired, labels, drift: disk.drift };
  });
}

/** Compares one label's digest with the node's view and, on a mismatch, repairs it from a snapshot. Call inside the queue. */
export async function repairLabel(ctx: DriftCheckParts, label: string): Promise<LabelCheck> {
  const hub = await ctx.redis.digestAt(label);
  if (compareStreamIds(hub.revision, knownRevision(ctx, label)) > 0) return { compared: false, repaired: 0 };
  const view = ctx.views.get(label) ?? new Map<string, LabelHead>();
  if ((hub.digest ?? EMPTY_DIGEST) === viewDigest(view)) return { compared: true, repaired: 0 };
  return { compared: true, repaired: await repairFromSnapshot(ctx, label) };
}

/**
 * True when a label's consumer group is gone (e.g. Redis lost its data): only a full sync recovers. False when Redis
 * cannot be read: the drift check that follows reports each label it cannot read as not compared.
 */
export async function needsFullSync(ctx: DriftCheckParts): Promise<boolean> {
  const group = consumerGroupName(ctx.settings.nodeId);
  try {
    for (const label of ctx.settings.labels) if (!(await ctx.redis.hasGroup(label, group))) return true;
  } catch {
    return false;
  }
  return false;
}

async function checkLabel(ctx: DriftCheckParts, label: string): Promise<{ verification: LabelVerification; repaired: number }> {
  let hub: { digest: string | null; revision: string };
  try {
    hub = await ctx.redis.digestAt(label);
  } catch (err) {
    return notCompared(ctx, label, null, `redis: ${(err as Error).message}`);
  }
  const known = knownRevision(ctx, label);
  if (compareStreamIds(hub.revision, known) > 0) return notCompared(ctx, label, hub.revision, `behind the stream: at ${known}, hub at ${hub.revision}`);
  ctx.notCompared.delete(label);
  const view = ctx.views.get(label) ?? new Map<string, LabelHead>();
  if ((hub.digest ?? EMPTY_DIGEST) === viewDigest(view)) return { verification: { state: 'ok' }, repaired: 0 };
  return { verification: { state: 'repaired', reason: 'view differed from the hub' }, repaired: await repairFromSnapshot(ctx, label) };
}

/**
 * A label that cannot be compared is never ok. When the previous round could not compare it either and the node has
 * not reached even the revision the hub had then (a delivery stuck in the pending list, a lost reply), it is stuck
 * rather than busy: repaired from a snapshot. `hubRevision` null: Redis could not be read.
 */
async function notCompared(ctx: DriftCheckParts, label: string, hubRevision: string | null, reason: string): Promise<{ verification: LabelVerification; repaired: number }> {
  const before = ctx.notCompared.get(label);
  const stuck = before !== undefined && (before === '' || compareStreamIds(before, knownRevision(ctx, label)) > 0);
  if (!stuck) {
    ctx.notCompared.set(label, hubRevision ?? '');
    ctx.logger.warn({ label, reason }, 'drift check could not compare label');
    return { verification: { state: 'not-compared', reason }, repaired: 0 };
  }
  try {
    const repaired = await repairFromSnapshot(ctx, label);
    ctx.notCompared.delete(label);
    return { verification: { state: 'repaired', reason: `${reason} for two rounds: repaired from a snapshot` }, repaired };
  } catch (err) {
    ctx.logger.error({ err, label }, 'snapshot repair of a label not compared twice failed');
    return { verification: { state: 'not-compared', reason: `${reason}; snapshot repair failed: ${(err as Error).message}` }, repaired: 0 };
  }
}

/** Replaces the label's view with a snapshot and brings its paths to it; a mismatch that needed no file change counts once. */
async function repairFromSnapshot(ctx: DriftCheckParts, label: string): Promise<number> {
  const before = [...(ctx.views.get(label)?.keys() ?? [])];
  await loadLabelSnapshot(ctx, label);
  const result = await reconcilePaths(ctx, [...before, ...(ctx.views.get(label)?.keys() ?? [])]);
  const repaired = result.written.length + result.removed.length;
  ctx.metrics.countRepairs(repaired);
  ctx.logger.warn({ label, written: result.written, removed: result.removed }, 'drift repaired');
  return Math.max(repaired, 1);
}

/**
 * Every file on disk against the winning heads of the compared labels (the views, which the digests just showed equal
 * to the hub's heads). Stat fingerprints keep it cheap; what differs goes through the hand-edit check: a person's file
 * becomes an override (gateway-only node) or is left for this node's publisher, the gateway's own stale file is rewritten.
 */
async function compareDisk(
  ctx: DriftCheckParts, compared: ReadonlySet<string>, scanned: Map<string, string>, desired: ReadonlyMap<string, DesiredArtifact>,
): Promise<{ drift: number; repaired: number }> {
  const seeming = diskDrift(ctx, scanned, compared, desired);
  if (seeming.length === 0) return { drift: 0, repaired: 0 };
  // The scan ran outside the queue: a changeset may have landed since. Look again at what seemed to differ.
  const disk = new Map(scanned);
  for (const path of seeming) {
    const sha = await hashFile(ctx.settings.serverRoot, path);
    if (sha === null) disk.delete(path);
    else disk.set(path, sha);
  }
  const looked = new Set(seeming);
  const differing = diskDrift(ctx, disk, compared, desired).filter((path) => looked.has(path));
  if (differing.length === 0) return { drift: 0, repaired: 0 };
  if (ctx.settings.handEditsAreOverrides) for (const path of differing) await checkPath(ctx, path);
  const result = await reconcilePaths(ctx, differing, { disk, checkHandEdits: true });
  const repaired = result.written.length + result.removed.length;
  ctx.metrics.countRepairs(repaired);
  ctx.logger.warn({ differing, written: result.written, removed: result.removed }, 'drift check: disk differed from the hub');
  return { drift: differing.length, repaired };
}

/** Paths whose file differs from what the hub wants there, overrides and first-start extras excepted. */
function diskDrift(ctx: DriftCheckParts, disk: ReadonlyMap<string, string>, compared: ReadonlySet<string>, desired: ReadonlyMap<string, DesiredArtifact>): string[] {
  const { labels } = ctx.settings;
  const differing: string[] = [];
  for (const [path, want] of desired) {
    if (ctx.overrides.has(path) || ctx.deployFailures.explains(path, disk.get(path) ?? null, ctx.record)) continue;
    if (disk.get(path) !== want.sha256 && decidedByCompared(path, labels, ctx.views, compared)) differing.push(path);
  }
  // A file no label holds and the gateway never wrote is the publisher's on a publishing node (it may publish other
  // labels), and a hand addition the watcher missed on a gateway-only node.
  const publishersOwn = (path: string): boolean => !ctx.settings.handEditsAreOverrides && (ctx.record.get(path)?.sha256 ?? null) === null;
  for (const [path, sha] of disk) {
    if (desired.has(path) || ctx.overrides.has(path) || ctx.record.extras.get(path) === sha || publishersOwn(path)) continue;
    if (decidedByCompared(path, labels, ctx.views, compared)) differing.push(path);
  }
  return differing;
}

/** True when every label up to the one that decides `path` (all of them when none holds it) was compared this round. */
function decidedByCompared(path: string, labels: readonly string[], views: LabelViews, compared: ReadonlySet<string>): boolean {
  for (const label of labels) {
    if (!compared.has(label)) return false;
    if ((views.get(label)?.get(path)?.sha256 ?? null) !== null) return true;
  }
  return true;
}

function knownRevision(ctx: DriftCheckParts, label: string): string {
  return maxStreamId(ctx.appliedRevision.get(label) ?? '0-0', ctx.syncedRevision.get(label) ?? '0-0');
}

/** Paths where the applied record disagrees with the label views (a batch that failed half-way), overrides excepted. */
function recordMismatches(ctx: DriftCheckParts, desired: ReadonlyMap<string, DesiredArtifact>): string[] {
  const stray: string[] = [];
  for (const [path, want] of desired) if (!ctx.overrides.has(path) && ctx.record.get(path)?.sha256 !== want.sha256) stray.push(path);
  for (const path of ctx.record.paths()) {
    if (!desired.has(path) && !ctx.overrides.has(path) && (ctx.record.get(path)?.sha256 ?? null) !== null) stray.push(path);
  }
  return stray;
}
