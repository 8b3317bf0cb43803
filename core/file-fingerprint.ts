// Inode, size and mtime of a file: what tells a change without reading it (a rename keeps all three, a rewrite does not).

/** The stat fields a fingerprint keeps. */
export interface FileFingerprint {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** The fingerprint of an lstat result. */
export function fingerprintOf(stats: FileFingerprint): FileFingerprint {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/** True when `b` describes the same, unchanged file as the fingerprint `a` (false when there is none). */
export function sameFingerprint(a: FileFingerprint | undefined, b: FileFingerprint): boolean {
  return a !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
