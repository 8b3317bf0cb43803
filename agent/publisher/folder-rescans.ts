// Follow-up scans of a folder that just appeared or vanished: a folder moved away and straight back vanishes while its
// puts are in flight, and scanning again finds the known files that are gone. They also found the files chokidar (the
// watcher until 2026-12) missed in a new folder it listed before watching it; the per-folder watcher watches a new
// folder before the engine's first scan of it, so that scan finds them.
import type { Logger } from 'pino';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { scanTrees } from './tree-scanner.js';

const DELAYS_MS = [50, 250, 1000, 3000];

/** What the rescans need: where to look, and which paths the publisher already has in hand. */
export interface FolderRescansDeps {
  serverRoot: string;
  isIgnoredPath: (relativePath: string) => boolean;
  logger: Logger;
  /** True when the path is dirty already or known to the hub in every label. */
  isSeen(path: string): boolean;
  /** Paths the hub holds for this publisher below `folders`. */
  knownBelow(folders: readonly string[]): string[];
  onUnseen(paths: string[]): void;
}

/** The synced folders a folder event concerns: the trees at or below it, or the folder itself inside a tree. */
export function foldersBelow(folder: string): string[] {
  const trees = SYNCED_TREES.filter((tree) => tree === folder || tree.startsWith(`${folder}/`));
  if (trees.length > 0) return trees;
  return SYNCED_TREES.some((tree) => folder.startsWith(`${tree}/`)) ? [folder] : [];
}

/** Scans new folders again after growing delays and reports files no event reported. */
export class FolderRescans {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: FolderRescansDeps) {}

  /** Starts the follow-up scans of `folders`. */
  schedule(folders: string[], attempt = 0): void {
    const delayMs = DELAYS_MS[attempt];
    if (delayMs === undefined || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void scanTrees(this.deps.serverRoot, this.deps.isIgnoredPath, folders).then((onDisk) => {
        const unseen = onDisk.filter((path) => !this.deps.isSeen(path));
        const present = new Set(onDisk);
        const gone = this.deps.knownBelow(folders).filter((path) => !present.has(path));
        if (unseen.length + gone.length > 0) this.deps.logger.debug({ folders, count: unseen.length, gone: gone.length }, 'folder rescan found changes no event reported');
        this.deps.onUnseen([...unseen, ...gone]);
        this.schedule(folders, attempt + 1);
      }, (err: unknown) => this.deps.logger.error({ err, folders }, 'folder rescan failed'));
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancels every pending scan. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }
}
