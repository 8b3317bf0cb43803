// Reads the synced trees of a server root into a manifest (path → sha256): the truth the watcher only hints at.
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { DEFAULT_TREES, type SyncedTree } from '../../core/artifact-path.js';
import { isTempName } from '../fs/atomic-write.js';
import { isIgnoredFileName } from './ignored-name.js';

/** sha256 of a file under the server root, or null when there is no regular file. */
export async function hashFile(serverRoot: string, path: string): Promise<string | null> {
  const absolute = posix.join(serverRoot, path);
  try {
    // Most misses are expected (a path about to be created): a stat that returns undefined costs microseconds, while a
    // failed open builds an Error with a stack; a 10,000-file cold start checks every path before its rename.
    if (lstatSync(absolute, { throwIfNoEntry: false }) === undefined) return null;
    return createHash('sha256').update(await readFile(absolute)).digest('hex');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** Every regular, non-ignored file of the synced trees with its sha256; `temps` collects leftover `.artisync-` temps. */
export async function scanDisk(serverRoot: string, temps: string[] = [], trees: readonly SyncedTree[] = DEFAULT_TREES): Promise<Map<string, string>> {
  const manifest = new Map<string, string>();
  for (const tree of trees) await scanFolder(serverRoot, tree, manifest, temps);
  return manifest;
}

async function scanFolder(serverRoot: string, folder: string, manifest: Map<string, string>, temps: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(posix.join(serverRoot, folder), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const path = `${folder}/${entry.name}`;
    if (isTempName(entry.name) && entry.isFile()) temps.push(path);
    if (isIgnoredFileName(entry.name)) continue;
    if (entry.isDirectory()) await scanFolder(serverRoot, path, manifest, temps);
    else if (entry.isFile()) {
      const sha = await hashFile(serverRoot, path);
      if (sha !== null) manifest.set(path, sha);
    }
  }
}
