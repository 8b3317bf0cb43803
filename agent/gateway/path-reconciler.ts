// Makes chosen paths on disk equal to the winning label's head: the one write path of startup sync, stream, drift and admin.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { parseArtifactPath } from '../../core/artifact-path.js';
import { decodeBlob } from '../../core/blob-codec.js';
import { ConflictError, PathError } from '../../core/errors.js';
import { atomicWrite } from '../fs/atomic-write.js';
import type { AppliedEntry } from './applied-record.js';
import { hashFile, hashSettled } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { winnerOf, type DesiredArtifact } from './label-precedence.js';
import { deferToLocalEdit, diskStateAt, type LocalEditParts } from './local-edit-guard.js';
import { materialize, type PlannedWrite } from './materializer.js';
import { leaveNewerToPublisher, type OwnTreeParts } from './own-tree-guard.js';
import { staysInsideRoot } from './tree-confinement.js';
import { isInTrees } from './synced-trees.js';

/** What reconciling paths reads and updates. */
export type ReconcileParts = LocalEditParts & OwnTreeParts & Pick<GatewayParts, 'failed' | 'fs' | 'ownFiles' | 'rankOf' | 'syncFilesystem'>;

/** How a reconcile compares. */
export interface ReconcileOptions {
  /** What is on disk now (path → sha256); without it the applied record stands for the disk. */
  disk?: ReadonlyMap<string, string>;
  /** First start: replaced files are copied under state_dir/backup first. */
  firstStart?: boolean;
  /** Paths written even when held as overrides, and removed when the hub lacks them (override clear, redeploy). */
  force?: ReadonlySet<string>;
  /** Largest number of files landed in one materialize; a stream batch is never split. */
  chunkSize?: number;
  /** Largest sum of raw sizes written by one materialize (one file larger than this is a chunk of its own). */
  chunkBytes?: number;
  /**
   * With `disk`: it only decides what to write, and each file is still looked at for hand edits right before it is
   * replaced, since the disk was read a while ago (a replay, a drift check) and a person may have saved since.
   */
  checkHandEdits?: boolean;
}

/** What a reconcile changed. */
export interface ReconcileResult {
  written: string[];
  removed: string[];
}

/** `seen` is the content found on disk when the path was checked (null: no file); a rename needs it still there. */
interface Work {
  writes: Array<{ path: string; desired: DesiredArtifact; backup: boolean; seen: string | null }>;
  /** `as`: the label and version the removal is recorded under, when not the applied entry's (undeploy). */
  removes: Array<{ path: string; backup: boolean; seen: string | null; as?: { label: string; version: number } }>;
}

/** Brings `paths` to the hub's winning versions, leaving overrides alone; failures land in ctx.failed and are thrown. */
export async function reconcilePaths(ctx: ReconcileParts, paths: Iterable<string>, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const work = planWork(ctx, [...paths].filter((path) => isInTrees(ctx.settings.trees, path)), options);
  await leaveNewerToPublisher(ctx, work, options.force);
  // With a disk manifest the caller already compared the disk; otherwise look right before replacing anything.
  if (options.disk === undefined || options.checkHandEdits === true) await setAsideLocalEdits(ctx, work);
  const result: ReconcileResult = { written: [], removed: [] };
  for (const chunk of chunksOf(work, options.chunkSize ?? Number.POSITIVE_INFINITY, options.chunkBytes ?? Number.POSITIVE_INFINITY)) {
    const refused = new Set(await landChunk(ctx, chunk));
    result.written.push(...chunk.writes.map((item) => item.path).filter((path) => !refused.has(path)));
    result.removed.push(...chunk.removes.map((item) => item.path).filter((path) => !refused.has(path)));
  }
  // Entries updated without a write (the disk already held the content) reach applied.json with the next full save.
  ctx.record.saveSoon();
  return result;
}

/**
 * Removes one file on this node only (undeploy), through the same confinement check and late-edit guard as every other
 * remove; recorded under `as`. Throws PathError when its folder leads out of the server root, ConflictError when a
 * person changed the file while it was being removed.
 */
export async function removeHere(ctx: ReconcileParts, path: string, as: { label: string; version: number }): Promise<void> {
  const seen = await hashFile(ctx.settings.serverRoot, path);
  const work: Work = { writes: [], removes: [{ path, backup: false, seen, as }] };
  if (seen !== null && (await dropEscapingPaths(ctx, work)).removes.length === 0) {
    throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `refusing to remove ${path}: its folder is a symlink leading out of the server root`, { subject: path });
  }
  if (seen === null) {
    // Nothing on disk: only the record changes, as it would had the rename of a remove already happened.
    ctx.record.stage(path, as.label, as.version, null);
    ctx.record.commit([path]);
    ctx.record.saveSoon();
    return;
  }
  const refused = await landChunk(ctx, work);
  if (refused.length > 0) throw new ConflictError('ARTISYNC_CONFLICT', `${path} was changed by hand while being removed; it was kept`, { subject: path });
}

/** Creates a folder under the server root (a synced tree at start), refusing one a symlink would place outside it. */
export async function makeFolderHere(ctx: ReconcileParts, folder: string): Promise<void> {
  if (!(await staysInsideRoot(ctx.fs, ctx.settings.serverRoot, posix.join(folder, '.probe')))) {
    throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `refusing to create ${folder}: a symlink in it leads out of the server root`, { subject: folder });
  }
  await ctx.fs.mkdir(posix.join(ctx.settings.serverRoot, folder), { recursive: true });
}

async function setAsideLocalEdits(ctx: ReconcileParts, work: Work): Promise<void> {
  const edited = new Set<string>();
  const items: Array<{ path: string; seen: string | null; desired?: DesiredArtifact }> = [...work.writes, ...work.removes];
  for (const item of items) {
    const { path, desired } = item;
    const edit = untouchedOwnFile(ctx, path) ?? (await diskStateAt(ctx, path));
    item.seen = edit.sha256;
    if (!edit.handEdited) continue;
    edited.add(path);
    // On a publishing node the disk may already hold what the hub wants (its publisher pushed it): adopt it. On a
    // gateway-only node a hand edit is an override even when it equals the hub's head, as it is when the watcher or
    // the startup sync sees it first: which of them comes first must not decide whether later updates are held.
    if (!ctx.settings.handEditsAreOverrides && edit.sha256 === (desired?.sha256 ?? null)) adopt(ctx, path, desired);
    else await deferToLocalEdit(ctx, path, edit.sha256);
  }
  if (edited.size === 0) return;
  work.writes = work.writes.filter((item) => !edited.has(item.path));
  work.removes = work.removes.filter((item) => !edited.has(item.path));
}

/**
 * The applied content of a file this process renamed into place and that one stat shows untouched since, without
 * reading it. A same-size edit within the same timestamp tick can pass this; the content check right before the
 * rename (LateEditGuard) still finds it and leaves the file alone.
 */
function untouchedOwnFile(ctx: ReconcileParts, path: string): { sha256: string | null; handEdited: false } | undefined {
  const entry = ctx.record.get(path);
  if (entry?.sha256 === undefined || entry.sha256 === null || entry.priorSha256 !== undefined) return undefined;
  return ctx.ownFiles.unchanged(path, posix.join(ctx.settings.serverRoot, path)) ? { sha256: entry.sha256, handEdited: false } : undefined;
}

function adopt(ctx: ReconcileParts, path: string, desired: DesiredArtifact | undefined): void {
  const entry = ctx.record.get(path);
  if (desired !== undefined) ctx.record.set(path, { label: desired.label, version: desired.version, sha256: desired.sha256 });
  else if (entry !== undefined) ctx.record.set(path, { label: entry.label, version: entry.version, sha256: null });
}

/**
 * Splits work into chunks of at most `size` writes and `size` removes, the writes also bounded by `bytes` of raw content,
 * so that the blobs of one chunk (fetched, inflated and held until the renames) stay within a known amount of memory.
 */
function chunksOf(work: Work, size: number, bytes: number): Work[] {
  const writeChunks: Array<Work['writes']> = [];
  let current: Work['writes'] = [];
  let currentBytes = 0;
  for (const item of work.writes) {
    if (current.length > 0 && (current.length >= size || currentBytes + item.desired.size > bytes)) {
      writeChunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.desired.size;
  }
  if (current.length > 0) writeChunks.push(current);
  const removeChunks: Array<Work['removes']> = [];
  for (let start = 0; start < work.removes.length; start += size) removeChunks.push(work.removes.slice(start, start + size));
  return Array.from({ length: Math.max(writeChunks.length, removeChunks.length) }, (_, index) => ({ writes: writeChunks[index] ?? [], removes: removeChunks[index] ?? [] }));
}

function planWork(ctx: ReconcileParts, paths: Iterable<string>, options: ReconcileOptions): Work {
  const work: Work = { writes: [], removes: [] };
  for (const path of new Set(paths)) {
    // A failure counts until the path is tried again: one that needs no write now has no failure left to report.
    ctx.failed.delete(path);
    if (!isSafePath(ctx, path)) continue;
    const desired = winnerOf(path, ctx.settings.labels, ctx.views);
    const forced = options.force?.has(path) === true;
    if (ctx.overrides.has(path) && !forced) {
      if (desired !== undefined && ctx.overrides.recordHubVersion(path, desired.label, desired.version)) {
        ctx.logger.info({ path, label: desired.label, version: desired.version }, 'hub update held: the path is overridden on this node');
      }
      continue;
    }
    const recorded = ctx.record.get(path)?.sha256 ?? null;
    const current = options.disk === undefined ? recorded : (options.disk.get(path) ?? null);
    const extra = ctx.record.extras.has(path);
    if (desired !== undefined) {
      if (current === desired.sha256) ctx.record.set(path, { label: desired.label, version: desired.version, sha256: desired.sha256 });
      else work.writes.push({ path, desired, backup: current !== null && (options.firstStart === true || extra || forced), seen: current });
      ctx.record.extras.delete(path);
    } else if (current !== null && (recorded !== null || forced || ctx.record.isOwn(path, current))) {
      // isOwn: a removal recorded just before a crash, with the file still holding what the gateway had written.
      work.removes.push({ path, backup: forced && recorded === null, seen: current });
    }
  }
  return work;
}

/** Lands one chunk; returns the paths left alone because a person changed them after they were checked. */
async function landChunk(ctx: ReconcileParts, unchecked: Work): Promise<string[]> {
  // The blobs are fetched while the folders are checked: both wait on I/O, and a path refused here only cost its fetch.
  const [work, blobs] = await Promise.all([dropEscapingPaths(ctx, unchecked), ctx.redis.blobs(unchecked.writes.map((item) => item.desired.sha256))]);
  if (work.writes.length === 0 && work.removes.length === 0) return [];
  const writes: PlannedWrite[] = [];
  for (const item of work.writes) {
    const data = blobs.get(item.desired.sha256);
    if (data === undefined) {
      markFailed(ctx, [item.path], `blob ${item.desired.sha256} is missing in Redis`);
      throw new Error(`blob ${item.desired.sha256} of ${item.path} is missing in Redis`);
    }
    // Inflated only as its temp is written: a chunk holds its compressed blobs, not every inflated file at once.
    writes.push({ path: item.path, data: () => decodeBlob(data) });
  }
  for (const item of [...work.writes, ...work.removes]) if (item.backup) await backUp(ctx, item.path);
  const deps = {
    fs: ctx.fs, serverRoot: ctx.settings.serverRoot, rankOf: ctx.rankOf, writeConcurrency: ctx.settings.writeConcurrency,
    ...(ctx.syncFilesystem === undefined ? {} : { syncFilesystem: ctx.syncFilesystem }),
  };
  const touched = [...work.writes.map((item) => item.path), ...work.removes.map((item) => item.path)];
  const before = new Map(touched.map((path) => [path, ctx.record.get(path)]));
  const guard = new LateEditGuard(ctx, work);
  let refused: string[];
  try {
    refused = await materialize({ writes, removes: work.removes.map((item) => item.path) }, { ...deps, mayReplace: guard.mayReplace, beforeRename: (path, temp) => ctx.ownFiles.noteTemp(path, temp) }, async () => {
      for (const item of work.writes) ctx.record.stage(item.path, item.desired.label, item.desired.version, item.desired.sha256);
      for (const item of work.removes) stageRemoval(ctx, item.path, item.as);
      await ctx.record.saveIntent();
    });
  } catch (err) {
    markFailed(ctx, touched, (err as Error).message);
    await settleStaged(ctx, touched, before);
    throw err;
  }
  for (const path of refused) {
    ctx.record.unstage(path, before.get(path));
    await deferToLocalEdit(ctx, path, guard.found(path));
  }
  ctx.record.commit(touched.filter((path) => !refused.includes(path)));
  ctx.record.saveSoon();
  for (const path of touched) ctx.failed.delete(path);
  return refused;
}

/**
 * After a batch failed part-way, makes each staged entry say what the disk holds: the new content (its rename happened)
 * or the old one (put back), so a drift check sees the record disagree with the hub and tries those paths again.
 */
async function settleStaged(ctx: ReconcileParts, paths: readonly string[], before: ReadonlyMap<string, AppliedEntry | undefined>): Promise<void> {
  for (const path of paths) {
    const entry = ctx.record.get(path);
    if (entry?.priorSha256 === undefined) continue;
    const sha = await hashFile(ctx.settings.serverRoot, path).catch(() => undefined);
    if (sha === entry.sha256) ctx.record.commit([path]);
    else if (sha === entry.priorSha256) ctx.record.unstage(path, before.get(path));
  }
}

/**
 * Looks at each file again right before it is replaced: a hand edit made after the first check (while blobs were
 * fetched and temps written) is left in place, not renamed over, since the watcher would then only see our own write.
 */
class LateEditGuard {
  private readonly expected = new Map<string, ReadonlySet<string | null>>();
  private readonly seenLast = new Map<string, string | null>();

  constructor(private readonly ctx: ReconcileParts, work: Work) {
    for (const item of work.writes) this.expected.set(item.path, new Set([item.seen, item.desired.sha256]));
    for (const item of work.removes) this.expected.set(item.path, new Set([item.seen, null]));
  }

  readonly mayReplace = async (path: string): Promise<boolean> => {
    // Settled, so the window left between this look and the rename is one stat and a microtask, not a whole read.
    const look = await hashSettled(this.ctx.settings.serverRoot, path);
    this.seenLast.set(path, look.sha256);
    return look.settled && this.expected.get(path)?.has(look.sha256) === true;
  };

  /** What the last look at `path` found. */
  found(path: string): string | null {
    return this.seenLast.get(path) ?? null;
  }
}

/** Redis is read directly, so a path that could escape the trees is refused here too (guarantee 10 in docs/guarantees.md). */
function isSafePath(ctx: ReconcileParts, path: string): boolean {
  try {
    parseArtifactPath(path);
    return true;
  } catch (err) {
    ctx.logger.error({ err, path }, 'refusing an unsafe artifact path from Redis');
    return false;
  }
}

function stageRemoval(ctx: ReconcileParts, path: string, as: { label: string; version: number } | undefined): void {
  if (as !== undefined) return ctx.record.stage(path, as.label, as.version, null);
  const entry = ctx.record.get(path);
  const tombstone = entry === undefined ? undefined : ctx.views.get(entry.label)?.get(path);
  ctx.record.stage(path, entry?.label ?? '', tombstone?.version ?? entry?.version ?? 0, null);
}

/** Leaves out, logs and marks failed every path whose folder resolves outside the server root through a symlink. */
async function dropEscapingPaths(ctx: ReconcileParts, work: Work): Promise<Work> {
  // One answer per folder and chunk: a 500-file startup chunk spans a handful of folders.
  const folders = new Map<string, Promise<boolean>>();
  const inside = async (path: string): Promise<boolean> => {
    const folder = posix.dirname(path);
    let answer = folders.get(folder);
    if (answer === undefined) {
      answer = staysInsideRoot(ctx.fs, ctx.settings.serverRoot, path);
      folders.set(folder, answer);
    }
    if (await answer) return true;
    markFailed(ctx, [path], 'its folder is a symlink leading out of the server root');
    ctx.logger.error({ path }, 'refusing to write through a symlinked folder that leaves the server root');
    return false;
  };
  const writes = [];
  for (const item of work.writes) if (await inside(item.path)) writes.push(item);
  const removes = [];
  for (const item of work.removes) if (await inside(item.path)) removes.push(item);
  return { ...work, writes, removes };
}

function markFailed(ctx: ReconcileParts, paths: readonly string[], reason: string): void {
  for (const path of paths) ctx.failed.set(path, reason);
}

/** Copies the file at `path` to state_dir/backup/<path> before the hub's version replaces it. */
async function backUp(ctx: ReconcileParts, path: string): Promise<void> {
  let data: Buffer;
  try {
    data = await readFile(posix.join(ctx.settings.serverRoot, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await atomicWrite(ctx.fs, posix.join(ctx.settings.stateDir, 'backup', path), data);
  ctx.logger.info({ path, backup: posix.join(ctx.settings.stateDir, 'backup', path) }, 'local file backed up before replacing it');
}
