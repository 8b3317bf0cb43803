// Startup sync: snapshot every label, find changes made while the agent was down, make the disk equal to the hub.
import { posix } from 'node:path';
import { consumerGroupName } from '../../core/redis-keys.js';
import { scanDisk } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { desiredState, type LabelHead } from './label-precedence.js';
import { holdHandEdit, saveOverrides } from './hand-edit-override.js';
import { reconcilePaths, type ReconcileResult, type ReconcileParts } from './path-reconciler.js';
import { recogniseRestoresOnDisk, restoreDepsOf } from './carbon-restore.js';

/** What the startup sync reads and updates. */
export type StartupSyncParts = ReconcileParts & Pick<GatewayParts, 'appliedRevision' | 'syncedRevision'>;

/** Why a full sync runs; without a reason it is the first one of this process (the startup sync). */
export interface FullSyncOptions {
  reason?: 'retry after a failure' | 'stream trimmed' | 'full sync requested';
}

/**
 * Files landed per materialize during a startup sync, so 10,000 artifacts never sit in memory at once: above 128 (the
 * materializer's one-flush threshold, below which every temp gets its own fsync); 128, 200 and 500 measured within the
 * bench's noise of each other (docs/deployment-memory.md).
 */
const STARTUP_CHUNK = 200;
/** Raw bytes per startup chunk: a tree of large files (a big carbon app, a long sequence) gets smaller chunks. */
const STARTUP_CHUNK_BYTES = 8 * 1024 * 1024;

/** Replaces a label's view with a Redis snapshot and returns the snapshot's revision. */
export async function loadLabelSnapshot(ctx: StartupSyncParts, label: string): Promise<string> {
  const snapshot = await ctx.redis.snapshot(label);
  const view = new Map<string, LabelHead>();
  for (const head of snapshot.heads) view.set(head.path, { version: head.version, sha256: head.sha256, size: head.size });
  ctx.views.set(label, view);
  ctx.syncedRevision.set(label, snapshot.revision);
  return snapshot.revision;
}

/** Runs a full startup sync and (re)creates the consumer groups at the snapshots' revisions. */
export async function runStartupSync(ctx: StartupSyncParts, options: FullSyncOptions = {}): Promise<ReconcileResult> {
  const started = ctx.clock();
  const revisions = new Map<string, string>();
  for (const label of ctx.settings.labels) revisions.set(label, await loadLabelSnapshot(ctx, label));
  const temps: string[] = [];
  const disk = await scanDisk(ctx.settings.serverRoot, temps, ctx.settings.trees);
  // Temps left by a crash mid-write: nothing else writes `.artisync-` files, and no write is in flight now.
  for (const temp of temps) await ctx.fs.rm(posix.join(ctx.settings.serverRoot, temp), { force: true });
  const desired = desiredState(ctx.settings.labels, ctx.views);
  const firstStart = !ctx.record.existed;
  let skip = new Set<string>();
  if (firstStart) {
    for (const [path, sha] of disk) if (!desired.has(path)) ctx.record.extras.set(path, sha);
  } else {
    await recogniseRestoresOnDisk(restoreDepsOf(ctx), disk);
    skip = detectOfflineChanges(ctx, disk);
  }
  const paths = [...new Set([...desired.keys(), ...ctx.record.paths(), ...ctx.overrides.list().map((item) => item.path)])].filter((path) => !skip.has(path));
  const result = await reconcilePaths(ctx, paths, { disk, firstStart, chunkSize: STARTUP_CHUNK, chunkBytes: STARTUP_CHUNK_BYTES });
  await ctx.record.save();
  await saveOverrides(ctx);
  const group = consumerGroupName(ctx.settings.nodeId);
  for (const [label, revision] of revisions) {
    await ctx.redis.ensureGroup(label, group, revision);
    ctx.appliedRevision.set(label, revision);
  }
  const facts = { labels: ctx.settings.labels, written: result.written.length, removed: result.removed.length, firstStart, durationMs: ctx.clock() - started };
  // Only the first sync of the process is the startup sync: a retry or a resync says what it was.
  if (options.reason === undefined) ctx.logger.info(facts, 'startup sync done');
  else ctx.logger.info({ ...facts, reason: options.reason }, 'full sync done');
  return result;
}

/**
 * Compares the disk with the applied record: what differs was done by hand while the agent was down.
 * On a gateway-only node those paths become overrides; on a publishing node they are left for the publisher.
 * Returns the paths the sync must not touch.
 */
function detectOfflineChanges(ctx: StartupSyncParts, disk: ReadonlyMap<string, string>): Set<string> {
  const skip = new Set<string>();
  for (const path of new Set([...disk.keys(), ...ctx.record.paths()])) {
    const sha = disk.get(path) ?? null;
    if (ctx.record.isOwn(path, sha) || (sha !== null && ctx.record.extras.get(path) === sha)) continue;
    if (ctx.deployFailures.explains(path, sha, ctx.record)) {
      skip.add(path);
      continue;
    }
    if ((ctx.record.get(path)?.sha256 ?? null) === null && sha === null) continue;
    if (!ctx.settings.handEditsAreOverrides) {
      skip.add(path);
      continue;
    }
    holdHandEdit(ctx, path, sha, 'override found: changed by hand while the agent was down');
  }
  return skip;
}

