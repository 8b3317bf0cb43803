// Lists the files of a server root's two synced trees, as import uploads them.
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SYNCED_TREES } from '../core/artifact-path.js';
import { isIgnoredName } from '../core/ignored-file.js';

/** A regular file found in a synced tree. */
export interface TreeFile {
  /** Relative to the server root, POSIX separators. */
  path: string;
  absolutePath: string;
  size: number;
}

/** What a walk found: files to upload and entries it will not follow. */
export interface TreeWalk {
  files: TreeFile[];
  /** Symlinks and special files, which never travel (guarantee 10 in docs/guarantees.md). */
  refused: Array<{ path: string; reason: string }>;
}

/** Walks `serverRoot`'s synced trees, skipping names that never travel (core/ignored-file.ts); paths come out sorted. */
export async function walkServerRoot(serverRoot: string): Promise<TreeWalk> {
  const walk: TreeWalk = { files: [], refused: [] };
  for (const tree of SYNCED_TREES) await walkFolder(serverRoot, tree, walk);
  walk.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return walk;
}

async function walkFolder(serverRoot: string, relative: string, walk: TreeWalk): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(serverRoot, relative), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const path = posix.join(relative, entry.name);
    const absolutePath = join(serverRoot, path);
    if (entry.isDirectory()) await walkFolder(serverRoot, path, walk);
    else if (entry.isFile()) walk.files.push({ path, absolutePath, size: (await lstat(absolutePath)).size });
    else walk.refused.push({ path, reason: entry.isSymbolicLink() ? 'a symlink, not followed' : 'not a regular file' });
  }
}
