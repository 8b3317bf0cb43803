// The inode, size and mtime of each file the gateway renamed into place, so the override watcher can tell its own
// writes from a person's with one stat instead of reading and hashing the file (10,000 of them after a bulk copy).
import { lstatSync, type Stats } from 'node:fs';
import { fingerprintOf, sameFingerprint, type FileFingerprint } from '../../core/file-fingerprint.js';

/** Fingerprints of the gateway's own files, kept in memory for the life of the process. */
export class OwnFiles {
  private readonly prints = new Map<string, FileFingerprint>();

  /**
   * Notes the temp about to be renamed to `path`. A rename keeps inode, size and mtime; a later replacement changes the
   * inode and a later write the size or the mtime, so a match means the file still holds what the gateway wrote. A
   * same-size write within the same timestamp tick as the gateway's own could pass unseen here; it is still found by
   * content right before the gateway next replaces that file.
   */
  noteTemp(path: string, temp: string): void {
    const stats = statOf(temp);
    if (stats === undefined) this.prints.delete(path);
    else this.prints.set(path, fingerprintOf(stats));
  }

  /**
   * Whether the file at `absolute` is the one the gateway renamed to `path`, moved there unchanged (a rename keeps
   * inode, size and mtime; a copy does not); undefined when this process has not written `path`.
   */
  movedTo(path: string, absolute: string): boolean | undefined {
    const known = this.prints.get(path);
    if (known === undefined) return undefined;
    const stats = statOf(absolute);
    return stats !== undefined && sameFingerprint(known, stats);
  }

  /** True when the file at `absolute` is still the one the gateway renamed to `path`, untouched since. */
  unchanged(path: string, absolute: string): boolean {
    const known = this.prints.get(path);
    if (known === undefined) return false;
    const stats = statOf(absolute);
    return stats !== undefined && sameFingerprint(known, stats);
  }
}

function statOf(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
