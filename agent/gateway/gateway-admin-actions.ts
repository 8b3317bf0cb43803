// The node-local actions behind the admin API: artifact states, redeploy, undeploy, override clear, verify.
import { posix } from 'node:path';
import { parseArtifactPath } from '../../core/artifact-path.js';
import { NotFoundError } from '../../core/errors.js';
import { hashFile } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { saveOverrides } from './hand-edit-override.js';
import { desiredState, winnerOf, type LabelViews } from './label-precedence.js';
import type { Override } from './override-tracker.js';
import { reconcilePaths, removeHere, type ReconcileParts } from './path-reconciler.js';
import { inTreesOnly } from './synced-trees.js';

/** What the admin actions read and update. */
export type AdminActionParts = ReconcileParts & Pick<GatewayParts, 'diskPrints' | 'queue'>;

/** How one artifact stands on this node. */
export type ArtifactState = 'synced' | 'pending' | 'overridden' | 'undeployed' | 'failed';

/** One artifact as the admin API lists it. */
export interface ArtifactStatus {
  path: string;
  state: ArtifactState;
  /** The winning label and its version (what the hub wants here), when any label holds the path. */
  label?: string;
  hubVersion?: number;
  hubSha256?: string;
  /** What the gateway last wrote. */
  appliedVersion?: number;
  appliedSha256?: string | null;
  override?: Override;
  error?: string;
}

/** Drift between disk and hub, as `artisync verify` prints it. */
export interface VerifyReport {
  /** True only when the disk equals the hub's heads: nothing missing, stale or extra, and no override. */
  ok: boolean;
  /** Per label, the hub revision whose heads the disk was compared with. */
  revisions: Record<string, string>;
  missing: string[];
  stale: string[];
  extra: string[];
  /** Paths whose hub version the server on this node refused (Synapse's `.back` restore is on disk instead). */
  deployFailed?: string[];
  overridden: string[];
}

/** Every artifact the hub wants here or the gateway wrote, with its state. */
export function listArtifacts(ctx: AdminActionParts): ArtifactStatus[] {
  const desired = desiredState(ctx.settings.labels, ctx.views);
  const paths = new Set([...desired.keys(), ...ctx.overrides.list().map((item) => item.path), ...ctx.failed.keys()]);
  for (const path of ctx.record.paths()) if ((ctx.record.get(path)?.sha256 ?? null) !== null) paths.add(path);
  return [...paths].sort().map((path) => statusOf(ctx, path));
}

/** One artifact's state; throws NotFoundError when the node knows nothing of it. */
export function getArtifact(ctx: AdminActionParts, rawPath: string): ArtifactStatus {
  const path = parseArtifactPath(rawPath);
  const status = statusOf(ctx, path);
  if (status.label === undefined && (status.appliedSha256 ?? null) === null && status.override === undefined && status.error === undefined) {
    throw new NotFoundError('ARTISYNC_NOT_FOUND', `no artifact ${path} on this node or in labels ${ctx.settings.labels.join(', ')}`, { subject: path });
  }
  return status;
}

/** What a redeploy changed; `backups` maps each replaced or removed local file to its copy under state_dir/backup. */
export interface RedeployResult {
  written: string[];
  removed: string[];
  backups: Record<string, string>;
}

/** Releases `paths` from overrides and makes each equal to the hub (a path the hub lacks is removed, backed up first). */
export async function redeploy(ctx: AdminActionParts, rawPaths: readonly string[]): Promise<RedeployResult> {
  const paths = rawPaths.map((raw) => parseArtifactPath(raw));
  return ctx.queue.run(async () => {
    const disk = new Map<string, string>();
    for (const path of paths) {
      const sha = await hashFile(ctx.settings.serverRoot, path);
      if (sha === null && !ctx.overrides.has(path) && winnerOf(path, ctx.settings.labels, ctx.views) === undefined) {
        throw new NotFoundError('ARTISYNC_NOT_FOUND', `no label in ${ctx.settings.labels.join(', ')} holds ${path}, and it is not on disk`, { subject: path });
      }
      ctx.overrides.clear(path);
      // A redeploy is the operator's retry of a version the server refused: it is written again and watched again.
      ctx.deployFailures.clear(path);
      if (sha !== null) disk.set(path, sha);
    }
    const result = await reconcilePaths(ctx, paths, { disk, force: new Set(paths) });
    await saveOverrides(ctx);
    await ctx.deployFailures.save(ctx.record);
    ctx.logger.info({ paths, written: result.written.length, removed: result.removed.length }, 'redeployed');
    // Forced paths that held local content were copied aside before the hub's state replaced them (path-reconciler).
    const changed = new Set([...result.written, ...result.removed]);
    const backups = Object.fromEntries([...disk.keys()].filter((path) => changed.has(path)).map((path) => [path, posix.join(ctx.settings.stateDir, 'backup', path)]));
    return { written: result.written, removed: result.removed, backups };
  });
}

/** Removes one artifact on this node only and holds it until redeploy or override clear. */
export async function undeploy(ctx: AdminActionParts, rawPath: string): Promise<void> {
  const path = parseArtifactPath(rawPath);
  await ctx.queue.run(async () => {
    const desired = winnerOf(path, ctx.settings.labels, ctx.views);
    const entry = ctx.record.get(path);
    if (desired === undefined && (entry?.sha256 ?? null) === null) {
      throw new NotFoundError('ARTISYNC_NOT_FOUND', `no artifact ${path} deployed by this gateway`, { subject: path });
    }
    await removeHere(ctx, path, { label: desired?.label ?? entry?.label ?? '', version: desired?.version ?? entry?.version ?? 0 });
    ctx.overrides.hold(path, 'undeployed', null, ctx.clock());
    await saveOverrides(ctx);
    ctx.logger.info({ path }, 'undeployed on this node');
  });
}

/** Releases one override (or all) and brings the hub's version back. Returns the released paths. */
export async function clearOverrides(ctx: AdminActionParts, target: { path: string } | { all: true }): Promise<{ cleared: string[]; backups: Record<string, string> }> {
  const paths = 'all' in target ? ctx.overrides.list().map((item) => item.path) : [parseArtifactPath(target.path)];
  if ('path' in target && !ctx.overrides.has(paths[0] as string)) {
    throw new NotFoundError('ARTISYNC_NOT_FOUND', `${target.path} is not overridden on this node`, { subject: target.path });
  }
  const { backups } = await redeploy(ctx, paths);
  return { cleared: paths, backups };
}

/** Compares every file on disk with the winning heads the hub holds now (read from Redis, not this node's view). */
export async function verify(ctx: AdminActionParts): Promise<VerifyReport> {
  return ctx.queue.run(async () => {
    const hub: LabelViews = new Map();
    const revisions: Record<string, string> = {};
    for (const label of ctx.settings.labels) {
      const snapshot = await ctx.redis.snapshot(label);
      hub.set(label, new Map(snapshot.heads.map((head) => [head.path, { version: head.version, sha256: head.sha256, size: head.size }])));
      revisions[label] = snapshot.revision;
    }
    const disk = await ctx.diskPrints.manifest(ctx.settings.serverRoot, ctx.settings.trees);
    const desired = inTreesOnly(ctx.settings.trees, desiredState(ctx.settings.labels, hub));
    const overridden = ctx.overrides.list().map((item) => item.path);
    const report: VerifyReport = { ok: true, revisions, missing: [], stale: [], extra: [], overridden };
    for (const [path, want] of desired) {
      if (ctx.overrides.has(path)) continue;
      const sha = disk.get(path);
      if (sha !== want.sha256 && ctx.deployFailures.explains(path, sha ?? null, ctx.record)) (report.deployFailed ??= []).push(path);
      else if (sha === undefined) report.missing.push(path);
      else if (sha !== want.sha256) report.stale.push(path);
    }
    for (const path of disk.keys()) if (!desired.has(path) && !ctx.overrides.has(path)) report.extra.push(path);
    report.ok = report.missing.length + report.stale.length + report.extra.length + overridden.length + (report.deployFailed?.length ?? 0) === 0;
    return report;
  });
}

function statusOf(ctx: AdminActionParts, path: string): ArtifactStatus {
  const desired = winnerOf(path, ctx.settings.labels, ctx.views);
  const entry = ctx.record.get(path);
  const override = ctx.overrides.get(path);
  const error = ctx.failed.get(path);
  const status: ArtifactStatus = { path, state: stateOf(desired?.sha256, entry?.sha256 ?? null, override, error) };
  if (desired !== undefined) Object.assign(status, { label: desired.label, hubVersion: desired.version, hubSha256: desired.sha256 });
  if (entry !== undefined) Object.assign(status, { appliedVersion: entry.version, appliedSha256: entry.sha256 });
  if (override !== undefined) status.override = override;
  if (error !== undefined) status.error = error;
  return status;
}

function stateOf(want: string | undefined, applied: string | null, override: Override | undefined, error: string | undefined): ArtifactState {
  if (override !== undefined) return override.kind === 'undeployed' ? 'undeployed' : 'overridden';
  if (error !== undefined) return 'failed';
  return (want ?? null) === applied ? 'synced' : 'pending';
}
