// Reads the synced trees of a server root into a manifest (path → sha256): the truth the watcher only hints at.
import { lstatSync } from 'node:fs';
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

