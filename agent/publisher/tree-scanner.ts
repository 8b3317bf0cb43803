// Lists every entry of the synced trees on disk (files and links, never following links): the truth events hint at.
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { SYNCED_TREES, treeOf } from '../../core/artifact-path.js';

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
  let entries;
  try {
    entries = await readdir(posix.join(root, relativeDir), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const relative = `${relativeDir}/${entry.name}`;
    if (isIgnoredPath(relative)) continue;
    if (entry.isDirectory()) await walk(root, relative, isIgnoredPath, found);
    else if ((entry.isFile() || entry.isSymbolicLink()) && treeOf(relative) !== undefined) found.push(relative);
  }
}
