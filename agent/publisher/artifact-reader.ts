// Reads one artifact from disk without ever following a symbolic link, so nothing outside the trees can travel.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { dirname, posix } from 'node:path';
import { fingerprintOf, type FileFingerprint } from '../../core/file-fingerprint.js';

/** What is on disk at an artifact path right now; `fingerprint` is the lstat taken before reading. */
export type DiskState =
  | { kind: 'file'; bytes: Buffer; fingerprint?: FileFingerprint }
  | { kind: 'absent' }
  | { kind: 'refused'; code: 'ARTISYNC_PATH_ESCAPES_TREE' | 'ARTISYNC_TOO_LARGE'; reason: string; fingerprint?: FileFingerprint };

const GONE = new Set(['ENOENT', 'ENOTDIR']);

const LINK: DiskState = { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'is a symbolic link; artisync never follows links' };

/**
 * Reads `relativePath` under `serverRoot`: a regular file's bytes, absent, or why it cannot be published.
 * The calls are synchronous on purpose: an artifact is read in tens of microseconds, while a read queued in the libuv
 * pool waits behind whatever is there (when the watcher was chokidar, its listings: one lstat per entry, per event).
 */
export async function readArtifact(serverRoot: string, relativePath: string, maxArtifactBytes: number): Promise<DiskState> {
  const absolute = posix.join(posix.resolve(serverRoot), relativePath);
  let stats: Stats;
  try {
    stats = lstatSync(absolute);
  } catch (err) {
    return Promise.resolve(unreadable(err));
  }
  const state = readArtifactNow(serverRoot, absolute, stats, maxArtifactBytes);
  return Promise.resolve(state.kind === 'absent' ? state : { ...state, fingerprint: fingerprintOf(stats) });
}

function readArtifactNow(serverRoot: string, absolute: string, stats: Stats, maxArtifactBytes: number): DiskState {
  try {
    if (stats.isSymbolicLink()) return LINK;
    if (stats.isDirectory()) return { kind: 'absent' };
    if (!stats.isFile()) return { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'is not a regular file' };
    if (!staysInRoot(serverRoot, dirname(absolute))) {
      return { kind: 'refused', code: 'ARTISYNC_PATH_ESCAPES_TREE', reason: 'lies below a symbolic link that leaves the server root' };
    }
    // Checked before reading so a huge file is never loaded into memory.
    if (stats.size > maxArtifactBytes) return tooLarge(stats.size, maxArtifactBytes);
    // O_NOFOLLOW: a file swapped for a link between lstat and open is refused rather than read through.
    const fd = openSync(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readOpenFile(fd, maxArtifactBytes);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return unreadable(err);
  }
}

function unreadable(err: unknown): DiskState {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (GONE.has(code)) return { kind: 'absent' };
  if (code === 'ELOOP') return LINK;
  throw err;
}

/** Reads an open file to its end; a file that grew past the limit since the lstat is refused, not loaded. */
function readOpenFile(fd: number, maxArtifactBytes: number): DiskState {
  const size = fstatSync(fd).size;
  if (size > maxArtifactBytes) return tooLarge(size, maxArtifactBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafeSlow(Math.max(size - total, 0) + 1);
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    total += read;
    if (total > maxArtifactBytes) return tooLarge(total, maxArtifactBytes);
    chunks.push(chunk.subarray(0, read));
  }
  return { kind: 'file', bytes: chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, total) };
}

function tooLarge(size: number, maxArtifactBytes: number): DiskState {
  return { kind: 'refused', code: 'ARTISYNC_TOO_LARGE', reason: `the file is ${size} bytes, over the ${maxArtifactBytes}-byte limit (max_artifact_bytes)` };
}

function staysInRoot(serverRoot: string, folder: string): boolean {
  return realpathSync.native(folder).startsWith(`${realpathSync.native(serverRoot)}/`);
}
