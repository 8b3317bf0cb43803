// Lists every entry of the synced trees on disk (files and links, never following links): the truth events hint at.
import { lstatSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { SYNCED_TREES, treeOf } from '../../core/artifact-path.js';
import { fingerprintOf, type FileFingerprint } from '../../core/file-fingerprint.js';
import { walkTrees } from '../fs/tree-walk.js';

// lstats between two yields to the event loop: about a millisecond of work.
const STAT_SLICE = 256;

/** Artifact paths of every non-ignored file or link under `folders` (default: both synced trees), sorted. */
export async function scanTrees(
  serverRoot: string,
  isIgnoredPath: (relativePath: string) => boolean,
  folders: readonly string[] = SYNCED_TREES,
): Promise<string[]> {
  const found: string[] = [];
  // Links are listed too: the publisher reads each path and refuses a link itself.
  const visit = ({ path, kind }: { path: string; kind: string }): void => {
    if (kind !== 'other' && treeOf(path) !== undefined) found.push(path);
  };
  await walkTrees(posix.resolve(serverRoot), folders, visit, { isIgnoredPath });
  return found.sort();
}

/**
 * Every path `scanTrees` lists with its lstat fingerprint; a path gone between listing and lstat is left out.
 * The lstats are synchronous, a slice at a time with a yield between slices: a cached lstat takes microseconds, and
 * 10,000 of them through the libuv pool took several times longer, queued behind other work (then chokidar's listings).
 */
export async function statTrees(serverRoot: string, isIgnoredPath: (relativePath: string) => boolean): Promise<Map<string, FileFingerprint>> {
  const root = posix.resolve(serverRoot);
  const paths = await scanTrees(root, isIgnoredPath);
  const found = new Map<string, FileFingerprint>();
  for (let start = 0; start < paths.length; start += STAT_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const path of paths.slice(start, start + STAT_SLICE)) {
      const stats = lstatNow(posix.join(root, path));
      if (stats !== undefined) found.set(path, fingerprintOf(stats));
    }
  }
  return found;
}

function lstatNow(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute);
  } catch (err) {
    return ignoreGone(err);
  }
}

/** Undefined for a path that vanished meanwhile; any other error stands. */
function ignoreGone(err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
}
