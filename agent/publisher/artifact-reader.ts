// Reads one artifact from disk without ever following a symbolic link, so nothing outside the trees can travel.
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { dirname, posix } from 'node:path';

/** What is on disk at an artifact path right now. */
export type DiskState =
  | { kind: 'file'; bytes: Buffer }
  | { kind: 'absent' }
  | { kind: 'refused'; code: 'ARTISYNC_PATH_ESCAPES_TREE' | 'ARTISYNC_TOO_LARGE'; reason: string };

const GONE = new Set(['ENOENT', 'ENOTDIR']);

const LINK: DiskState = { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'is a symbolic link; artisync never follows links' };

/** Reads `relativePath` under `serverRoot`: a regular file's bytes, absent, or why it cannot be published. */
export async function readArtifact(serverRoot: string, relativePath: string, maxArtifactBytes: number): Promise<DiskState> {
  const absolute = posix.join(posix.resolve(serverRoot), relativePath);
  try {
    const stats = await lstat(absolute);
    if (stats.isSymbolicLink()) return LINK;
    if (stats.isDirectory()) return { kind: 'absent' };
    if (!stats.isFile()) return { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'is not a regular file' };
    if (!(await staysInRoot(serverRoot, dirname(absolute)))) {
      return { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'lies below a symbolic link that leaves the server root' };
    }
    // Checked before reading so a huge file is never loaded into memory.
    if (stats.size > maxArtifactBytes) {
      return { kind: 'refused', code: 'ARTISYNC_TOO_LARGE', reason: `the file is ${stats.size} bytes, over the ${maxArtifactBytes}-byte limit (max_artifact_bytes)` };
    }
    // O_NOFOLLOW: a file swapped for a link between lstat and open is refused rather than read through.
    const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return { kind: 'file', bytes: await handle.readFile() };
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (GONE.has(code)) return { kind: 'absent' };
    if (code === 'ELOOP') return LINK;
    throw err;
  }
}

async function staysInRoot(serverRoot: string, folder: string): Promise<boolean> {
  const [realRoot, realFolder] = await Promise.all([realpath(serverRoot), realpath(folder)]);
  return realFolder.startsWith(`${realRoot}/`);
}
