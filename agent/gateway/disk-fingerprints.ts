// The disk as drift checks and `verify` see it: every file's sha256, re-hashed only when its inode, size, mtime or ctime moved.
import { lstatSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { hashFile } from './disk-scan.js';
import { isIgnoredFileName } from './ignored-name.js';

interface Fingerprint {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  sha256: string;
}

/**
 * Path → fingerprint and hash from the last scan. ctime is part of the print because nothing outside the kernel sets
 * it: a copy that keeps size and mtime (`rsync -a`, `cp -p`, `touch -r`) still moves it, so only a write within the
 * same timestamp tick as the previous scan could pass unseen (it is found at the next write to that file).
 */
export class DiskFingerprints {
  private prints = new Map<string, Fingerprint>();
  /** Files read and hashed by the last scan (the rest were known by their fingerprint). */
  hashedLastScan = 0;

  /** Every regular, non-ignored file of both synced trees with its sha256, like scanDisk but hashing only what moved. */
  async manifest(serverRoot: string): Promise<Map<string, string>> {
    const next = new Map<string, Fingerprint>();
    this.hashedLastScan = 0;
    for (const tree of SYNCED_TREES) await this.scanFolder(serverRoot, tree, next);
    this.prints = next;
    const manifest = new Map<string, string>();
    for (const [path, print] of next) manifest.set(path, print.sha256);
    return manifest;
  }

  private async scanFolder(serverRoot: string, folder: string, next: Map<string, Fingerprint>): Promise<void> {
    let entries;
    try {
      entries = await readdir(posix.join(serverRoot, folder), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    for (const entry of entries) {
      if (isIgnoredFileName(entry.name)) continue;
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) await this.scanFolder(serverRoot, path, next);
      else if (entry.isFile()) await this.look(serverRoot, path, next);
    }
  }

  private async look(serverRoot: string, path: string, next: Map<string, Fingerprint>): Promise<void> {
    const stats = statOf(posix.join(serverRoot, path));
    if (stats === undefined || !stats.isFile()) return;
    const known = this.prints.get(path);
    if (known !== undefined && sameFile(known, stats)) {
      next.set(path, known);
      return;
    }
    const sha256 = await hashFile(serverRoot, path);
    this.hashedLastScan += 1;
    if (sha256 === null) return;
    // The stat taken before the read: a write racing the read moves the print, so the next scan hashes again.
    next.set(path, { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, sha256 });
  }
}

function sameFile(known: Fingerprint, stats: Stats): boolean {
  return known.ino === stats.ino && known.size === stats.size && known.mtimeMs === stats.mtimeMs && known.ctimeMs === stats.ctimeMs;
}

function statOf(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
