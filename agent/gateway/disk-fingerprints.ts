// The disk as drift checks and `verify` see it: every file's sha256, re-hashed only when its inode, size, mtime or ctime moved.
import { lstatSync, type Stats } from 'node:fs';
import { DEFAULT_TREES, type SyncedTree } from '../../core/artifact-path.js';
import { sameFingerprint, type FileFingerprint } from '../../core/file-fingerprint.js';
import { walkTrees } from '../fs/tree-walk.js';
import { hashFile } from './disk-scan.js';

/** ctime too: `cp -p` and `touch -r` keep size and mtime. */
interface Fingerprint extends FileFingerprint {
  ctimeMs: number;
  sha256: string;
  /** The scan that last saw the file. */
  seen: number;
}

/**
 * Path → fingerprint and hash from the last scan. ctime is part of the print because nothing outside the kernel sets
 * it: a copy that keeps size and mtime (`rsync -a`, `cp -p`, `touch -r`) still moves it, so only a write within the
 * same timestamp tick as the previous scan could pass unseen (it is found at the next write to that file).
 */
export class DiskFingerprints {
  /** Updated in place, keeping each path's key and print: a 10,000-file scan then leaves next to nothing to collect. */
  private readonly prints = new Map<string, Fingerprint>();
  private scans = 0;
  /** Files read and hashed by the last scan (the rest were known by their fingerprint). */
  hashedLastScan = 0;

  private chain: Promise<unknown> = Promise.resolve();

  /** Every regular, non-ignored file of the synced trees with its sha256, like scanDisk but hashing only what moved. */
  manifest(serverRoot: string, trees: readonly SyncedTree[] = DEFAULT_TREES): Promise<Map<string, string>> {
    // One scan at a time: each marks the prints it sees and drops the rest, so two at once would drop each other's.
    const next = this.chain.then(() => this.scan(serverRoot, trees));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async scan(serverRoot: string, trees: readonly SyncedTree[]): Promise<Map<string, string>> {
    const scan = ++this.scans;
    const moved: Array<{ path: string; stats: Stats }> = [];
    // The walk yields to the event loop between slices, so a changeset arriving mid-scan waits for a slice, not the scan.
    await walkTrees(serverRoot, trees, ({ path, kind }) => {
      if (kind !== 'file') return;
      const stats = statOf(`${serverRoot}/${path}`);
      if (stats === undefined || !stats.isFile()) return;
      const known = this.prints.get(path);
      if (known !== undefined && sameFile(known, stats)) known.seen = scan;
      else moved.push({ path, stats });
    });
    // Stats first, reads after: the loop over unchanged files stays synchronous, with no promise per file.
    for (const { path, stats } of moved) {
      const sha256 = await hashFile(serverRoot, path);
      // The stat taken before the read: a write racing the read moves the print, so the next scan hashes again.
      if (sha256 === null) this.prints.delete(path);
      else this.prints.set(path, { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, sha256, seen: scan });
    }
    this.hashedLastScan = moved.length;
    const manifest = new Map<string, string>();
    for (const [path, print] of this.prints) {
      if (print.seen === scan) manifest.set(path, print.sha256);
      else this.prints.delete(path);
    }
    return manifest;
  }
}

function sameFile(known: Fingerprint, stats: Stats): boolean {
  return sameFingerprint(known, stats) && known.ctimeMs === stats.ctimeMs;
}

function statOf(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
