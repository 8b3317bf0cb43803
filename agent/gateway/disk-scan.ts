// Reads the synced trees of a server root into a manifest (path → sha256): the truth the watcher only hints at.
import { lstatSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { DEFAULT_TREES, type SyncedTree } from '../../core/artifact-path.js';
import { isTempName } from '../fs/atomic-write.js';
import { walkTrees } from '../fs/tree-walk.js';
import { sha256Of } from '../../core/blob-codec.js';

/** sha256 of a file under the server root, or null when there is no regular file. */
export async function hashFile(serverRoot: string, path: string): Promise<string | null> {
  const absolute = posix.join(serverRoot, path);
  try {
    // Most misses are expected (a path about to be created): a stat that returns undefined costs microseconds, while a
    // failed open builds an Error with a stack; a 10,000-file cold start checks every path before its rename.
    if (lstatSync(absolute, { throwIfNoEntry: false }) === undefined) return null;
    return sha256Of(await readFile(absolute));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** A file's content as it stands once a read is over: its sha256 (null when absent), and whether the file held still. */
export interface SettledHash {
  sha256: string | null;
  /** False when the file changed during each of the reads: `sha256` is then only the last read's. */
  settled: boolean;
}

const SETTLE_READS = 3;

/**
 * Hashes `path` again while an lstat taken before the read differs from one taken after it. A read takes milliseconds
 * on a loaded node; an edit saved meanwhile (in place, by rename or a delete) would otherwise be taken for the content
 * read, and a rename made on that word would overwrite it.
 */
export async function hashSettled(serverRoot: string, path: string, hash: typeof hashFile = hashFile): Promise<SettledHash> {
  const absolute = posix.join(serverRoot, path);
  let sha256: string | null = null;
  for (let read = 0; read < SETTLE_READS; read += 1) {
    const before = statOrUndefined(absolute);
    // Nothing there: no read to wait for, so the stat itself is the look (a cold start asks this of every file).
    if (before === undefined) return { sha256: null, settled: true };
    sha256 = await hash(serverRoot, path);
    if (sameStat(before, statOrUndefined(absolute))) return { sha256, settled: true };
  }
  return { sha256, settled: false };
}

function statOrUndefined(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Inode, size, mtime and ctime (which a rename over, a write, a chmod or a hard link all change). */
function sameStat(a: Stats | undefined, b: Stats | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Every regular, non-ignored file of the synced trees with its sha256; `temps` collects leftover `.artisync-` temps. */
export async function scanDisk(serverRoot: string, temps: string[] = [], trees: readonly SyncedTree[] = DEFAULT_TREES): Promise<Map<string, string>> {
  const manifest = new Map<string, string>();
  const collectTemp = ({ path, kind }: { path: string; kind: string }): void => {
    if (kind === 'file' && isTempName(posix.basename(path))) temps.push(path);
  };
  await walkTrees(
    serverRoot,
    trees,
    async ({ path, kind }) => {
      if (kind !== 'file') return;
      const sha = await hashFile(serverRoot, path);
      if (sha !== null) manifest.set(path, sha);
    },
    { onIgnored: collectTemp },
  );
  return manifest;
}

