// The one walk of the synced trees, with one symlink policy: a symlink is never followed, only listed as one, so each
// caller refuses or skips it (guarantee 10 in docs/guarantees.md). Ignored names are skipped, a folder that is gone is
// empty, any other read failure stands (an unreadable tree is not an empty one).
import { opendir } from 'node:fs/promises';
import { posix } from 'node:path';
import { isIgnoredName } from '../../core/ignored-file.js';

/** What a directory entry is, without following it. */
export type TreeEntryKind = 'file' | 'symlink' | 'other';

/** One entry below a synced tree; folders are walked, not listed. */
export interface TreeEntry {
  /** Relative to the server root, POSIX separators. */
  path: string;
  kind: TreeEntryKind;
}

/** How a walk filters. */
export interface TreeWalkOptions {
  /** True for a path the walk skips (and does not descend into); default: core's ignored names. */
  isIgnoredPath?: (relativePath: string) => boolean;
  /** Sees each skipped entry that is not a folder (the gateway collects its leftover temps this way). */
  onIgnored?: (entry: TreeEntry) => void;
}

// Entries visited between two yields to the event loop, so a walk of many thousand files never blocks it for long.
const ENTRIES_PER_TURN = 1_000;
const DIR_BUFFER_ENTRIES = 128;

/** Calls `visit` for every non-ignored entry below `folders` of `serverRoot`, in readdir order, folder by folder. */
export async function walkTrees(
  serverRoot: string,
  folders: readonly string[],
  visit: (entry: TreeEntry) => void | Promise<void>,
  options: TreeWalkOptions = {},
): Promise<void> {
  const isIgnored = options.isIgnoredPath ?? ((path: string) => isIgnoredName(posix.basename(path)));
  const walk = { seen: 0 };
  const walkFolder = async (folder: string): Promise<void> => {
    let dir;
    try {
      // A slice of entries at a time: a whole 10,000-entry listing held across the walk's yields would outlive V8's
      // young generation and be promoted, on every drift check. Read synchronously: no promise per entry.
      dir = await opendir(posix.join(serverRoot, folder), { bufferSize: DIR_BUFFER_ENTRIES });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    try {
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        walk.seen += 1;
        if (walk.seen % ENTRIES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
        const path = `${folder}/${entry.name}`;
        const kind: TreeEntryKind = entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other';
        if (isIgnored(path)) {
          if (!entry.isDirectory()) options.onIgnored?.({ path, kind });
          continue;
        }
        if (entry.isDirectory()) await walkFolder(path);
        else {
          const visiting = visit({ path, kind });
          if (visiting !== undefined) await visiting;
        }
      }
    } finally {
      dir.closeSync();
    }
  };
  for (const folder of folders) await walkFolder(folder);
}
