// Lands a batch on disk as guarantee 8 in docs/guarantees.md says: every temp first, renames in deploy order, deletes last.
import { posix } from 'node:path';
import { syncFolder, writeTemp, type AtomicFs } from '../fs/atomic-write.js';
import { forEachBounded } from '../../core/bounded-concurrency.js';

/**
 * One file to write: its artifact path and raw content. A function is called right before its temp is written, so a
 * batch holds at most `writeConcurrency` decoded contents at once instead of all of them.
 */
export interface PlannedWrite {
  path: string;
  data: Uint8Array | (() => Uint8Array);
}

/** What one batch changes on disk. */
export interface MaterializePlan {
  writes: PlannedWrite[];
  removes: string[];
}

/** What the materializer needs; `rankOf` orders renames (lower first: building blocks before api). */
export interface MaterializerDeps {
  fs: AtomicFs;
  serverRoot: string;
  rankOf: (path: string) => number;
  /** How many temp files are written at once. */
  writeConcurrency: number;
  /** Makes many staged temps durable at once (syncfs); without it every temp is fsynced on its own. */
  syncFilesystem?: (folder: string, files: readonly string[]) => Promise<void>;
  /**
   * Asked right before each rename and remove; false leaves that path as it is (a person changed it after the caller
   * looked), so the window between the caller's check and the rename is one file read, not a whole batch.
   */
  mayReplace?: (path: string) => Promise<boolean>;
  /** Told about each temp right before it is renamed to `path`. */
  beforeRename?: (path: string, temp: string) => void;
}

// From this many files on, one filesystem flush is used instead of an fsync per file: spawning `sync` from a ~150 MB
// daemon costs ~8 ms of CPU (the fork; seen in a 10k bulk profile), so it pays for big batches such as startup chunks.
const FLUSH_ONCE_FROM_FILES = 128;

/** Called between staging and renaming, e.g. to persist the intent in the applied record. */
export type BeforeCommit = () => Promise<void>;

/**
 * Writes every temp, calls `beforeCommit`, renames in rank order, removes deleted files, then fsyncs each folder that
 * got a rename or a removal, so the caller's acknowledgement never outlives them; temps are cleaned on failure.
 * Returns the paths `mayReplace` refused, left untouched on disk.
 */
export async function materialize(plan: MaterializePlan, deps: MaterializerDeps, beforeCommit?: BeforeCommit): Promise<string[]> {
  const staged = new Map<string, string>();
  const refused: string[] = [];
  const changedFolders = new Set<string>();
  const mayReplace = deps.mayReplace ?? (() => Promise.resolve(true));
  const flushOnce = deps.syncFilesystem !== undefined && plan.writes.length >= FLUSH_ONCE_FROM_FILES ? deps.syncFilesystem : undefined;
  try {
    // Each folder is created once per batch, not once per file.
    for (const folder of new Set(plan.writes.map((write) => posix.dirname(absolute(deps, write.path))))) await deps.fs.mkdir(folder, { recursive: true });
    const options = { sync: flushOnce === undefined, folderExists: true };
    await forEachBounded(plan.writes, deps.writeConcurrency, async (write) => {
      staged.set(write.path, await writeTemp(deps.fs, absolute(deps, write.path), typeof write.data === 'function' ? write.data() : write.data, options));
    });
    // Every temp is complete and durable before any rename, as with per-file fsync.
    if (flushOnce !== undefined) await flushOnce(deps.serverRoot, [...staged.values()]);
    if (beforeCommit !== undefined) await beforeCommit();
    // One rank at a time, the files of a rank at once: order only matters between ranks (a 10,000-file startup sync
    // spent 1.7 s of its 4.9 s renaming one file after another).
    for (const rank of rankGroups(plan.writes.map((item) => item.path), deps.rankOf)) {
      await forEachBounded(rank, deps.writeConcurrency, async (write) => {
        if (!(await mayReplace(write))) {
          refused.push(write);
          return;
        }
        const temp = staged.get(write) as string;
        deps.beforeRename?.(write, temp);
        await deps.fs.rename(temp, absolute(deps, write));
        staged.delete(write);
        changedFolders.add(posix.dirname(absolute(deps, write)));
      });
    }
  } finally {
    await Promise.all([...staged.values()].map((temp) => deps.fs.rm(temp, { force: true })));
  }
  const removesRefused = await removeAll(plan.removes, deps, mayReplace, changedFolders);
  await forEachBounded([...changedFolders], deps.writeConcurrency, (folder) => syncFolder(deps.fs, folder));
  return [...orderByRank(refused, deps.rankOf), ...removesRefused];
}

/** Deletes go last and in reverse order, so an API leaves before the endpoint it names; returns the refused paths. */
async function removeAll(paths: readonly string[], deps: MaterializerDeps, mayReplace: (path: string) => Promise<boolean>, changedFolders: Set<string>): Promise<string[]> {
  const refused: string[] = [];
  for (const rank of rankGroups(paths, deps.rankOf).reverse()) {
    await forEachBounded(rank, deps.writeConcurrency, async (path) => {
      if (!(await mayReplace(path))) {
        refused.push(path);
        return;
      }
      await deps.fs.rm(absolute(deps, path), { force: true });
      changedFolders.add(posix.dirname(absolute(deps, path)));
    });
  }
  return orderByRank(refused, deps.rankOf).reverse();
}

/** Paths sorted by rank, then by name so the order is stable. */
export function orderByRank(paths: readonly string[], rankOf: (path: string) => number): string[] {
  return [...paths].sort((a, b) => rankOf(a) - rankOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Paths in rank order, cut into one group per rank. */
function rankGroups(paths: readonly string[], rankOf: (path: string) => number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let previous: number | undefined;
  for (const path of orderByRank(paths, rankOf)) {
    const rank = rankOf(path);
    if (rank !== previous) {
      current = [];
      groups.push(current);
      previous = rank;
    }
    current.push(path);
  }
  return groups;
}

function absolute(deps: MaterializerDeps, path: string): string {
  return posix.join(deps.serverRoot, path);
}
