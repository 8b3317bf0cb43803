// Lists every entry of the synced trees on disk (files and links, never following links): the truth events hint at.
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { SYNCED_TREES, treeOf } from '../../core/artifact-path.js';
import { fingerprintOf, type Fingerprint } from './artifact-reader.js';

// lstat calls in flight at once: enough to keep the libuv pool busy, few enough to leave it room for other work.
const STAT_CONCURRENCY = 64;

/** Artifact paths of every non-ignored file or link under `folders` (default: both synced trees), sorted. */
export async function scanTrees(
  serverRoot: string,
  isIgnoredPath: (relativePath: string) => boolean,
  folders: readonly string[] = SYNCED_TREES,
): Promise<string[]> {
  const found: string[] = [];
  for (const folder of folders) await walk(posix.resolve(serverRoot), folder, isIgnoredPath, found);
  return found.sort();
}

async function walk(root: string, relativeDir: string, isIgnoredPath: (relativePath: string) => boolean, found: string[]): Promise<void> {
  const entries = await readdir(posix.join(root, relativeDir), { withFileTypes: true }).catch(ignoreGone);
  if (entries === undefined) return;
  for (const entry of entries) {
    const relative = `${relativeDir}/${entry.name}`;
    if (isIgnoredPath(relative)) continue;
    if (entry.isDirectory()) await walk(root, relative, isIgnoredPath, found);
    else if ((entry.isFile() || entry.isSymbolicLink()) && treeOf(relative) !== undefined) found.push(relative);
  }
}

/** Every path `scanTrees` lists with its lstat fingerprint; a path gone between listing and lstat is left out. */
export async function statTrees(serverRoot: string, isIgnoredPath: (relativePath: string) => boolean): Promise<Map<string, Fingerprint>> {
  const root = posix.resolve(serverRoot);
  const paths = await scanTrees(root, isIgnoredPath);
  const found = new Map<string, Fingerprint>();
  for (let start = 0; start < paths.length; start += STAT_CONCURRENCY) {
    const slice = paths.slice(start, start + STAT_CONCURRENCY);
    const stats = await Promise.all(slice.map((path) => lstat(posix.join(root, path)).catch(ignoreGone)));
    stats.forEach((stat, index) => {
      const path = slice[index];
      if (stat !== undefined && path !== undefined) found.set(path, fingerprintOf(stat));
    });
  }
  return found;
}

/** Undefined for a path that vanished meanwhile; any other error stands. */
function ignoreGone(err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
}
