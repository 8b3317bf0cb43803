// Lists the files of a server root's two synced trees, as import uploads them.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { SYNCED_TREES } from '../core/artifact-path.js';
import { walkTrees } from '../agent/fs/tree-walk.js';

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
  await walkTrees(serverRoot, SYNCED_TREES, async ({ path, kind }) => {
    const absolutePath = join(serverRoot, path);
    if (kind === 'file') walk.files.push({ path, absolutePath, size: (await lstat(absolutePath)).size });
    else walk.refused.push({ path, reason: kind === 'symlink' ? 'a symlink, not followed' : 'not a regular file' });
  });
  walk.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return walk;
}

