// Watches folders with one fs.watch (one inotify watch) each: an event names the entry that changed, so nothing is
// listed or stat'ed per event but a renamed entry, to tell a new folder. chokidar, which both roles once used,
// re-read and lstat'ed the whole folder on every event: 22 ms of CPU per edit with 800 files in `api/`, about 100 ms
// with 8,000. The gateway (hand edits) and the publisher (its trees) share this watcher; its events are only hints.
import { lstatSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { BackgroundFailures } from '../background-failures.js';

/** The filesystem calls the watcher makes, replaceable so a test can make them fail. */
export interface WatcherFs {
  watch: typeof watch;
  readdir: (path: string, options: { withFileTypes: true }) => Promise<Dirent[]>;
}

/** What a FolderWatcher watches and whom it tells. Paths are server-root-relative, '' being the server root. */
export interface FolderWatcherOptions {
  serverRoot: string;
  /** The folders watched, each with every sub-folder `ignores` lets through; they must exist when the watch starts. */
  folders: readonly string[];
  /** True for a path whose events are dropped and which, as a folder, is not watched. */
  ignores(path: string): boolean;
  /** An entry may have been added, changed or removed. */
  onPath(path: string): void;
  /**
   * A folder appeared (called once it and its sub-folders are watched) or vanished, or the kernel lost its events.
   * Without it, the files found in a new folder, or in a folder whose events were lost, are reported through onPath.
   */
  onFolder?(folder: string): void;
  /** The kernel is out of inotify watches; without it, that is reported like any folder that cannot be watched. */
  onOutOfWatches?(err: NodeJS.ErrnoException): void;
  failures: BackgroundFailures;
  /** How changes in a folder that cannot be watched are found after all, and what a folder that cannot be listed loses: for the log. */
  consequences: { unwatched: string; unlisted: string };
  fs?: WatcherFs;
}

const WATCH_JOB = 'folder-watch';
const READ_JOB = 'folder-read';

/** One fs.watch per folder; folders that appear are watched as they appear, folders that vanish are let go. */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly fs: WatcherFs;
  private closed = false;

  constructor(private readonly options: FolderWatcherOptions) {
    this.fs = options.fs ?? { watch, readdir };
  }

  /** Watches every folder below the configured ones; resolves once all are watched. */
  async start(): Promise<void> {
    for (const folder of this.options.folders) await this.watchFolder(folder, false);
  }

  /** Closes every watch; no event is reported after this. */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** How many folders are watched (one inotify watch each). */
  get size(): number {
    return this.watchers.size;
  }

  /** Watches `folder` and its sub-folders; `fresh` (a folder that appeared after start) reports the files found. */
  private async watchFolder(folder: string, fresh: boolean): Promise<void> {
    if (this.closed || this.watchers.has(folder)) return;
    const watcher = this.openWatch(folder);
    if (watcher === undefined) return;
    this.watchers.set(folder, watcher);
    // Watched before listed: a file created meanwhile raises an event or is in the listing, never neither.
    const entries = await this.listFolder(folder);
    const announce = fresh && this.options.onFolder === undefined;
    for (const entry of entries) {
      const path = childOf(folder, entry.name);
      if (this.closed || this.options.ignores(path)) continue;
      if (entry.isDirectory()) await this.watchFolder(path, fresh);
      else if (announce) this.options.onPath(path);
    }
  }

  private openWatch(folder: string): FSWatcher | undefined {
    let watcher: FSWatcher;
    try {
      watcher = this.fs.watch(posix.join(this.options.serverRoot, folder), { persistent: false }, (event, name) => this.onEvent(folder, event, name));
    } catch (err) {
      this.watchFailed(folder, err as NodeJS.ErrnoException, 'cannot watch folder');
      return undefined;
    }
    watcher.on('error', (err: NodeJS.ErrnoException) => {
      // The watch is gone (e.g. the folder became unreadable); it is set up again when the folder shows up in an
      // event of its parent, or at the next start.
      watcher.close();
      if (this.watchers.get(folder) === watcher) this.watchers.delete(folder);
      this.watchFailed(folder, err, 'folder watch stopped');
    });
    this.options.failures.ok(WATCH_JOB, folder);
    return watcher;
  }

  private watchFailed(folder: string, err: NodeJS.ErrnoException, what: string): void {
    if (this.closed || err.code === 'ENOENT' || err.code === 'ENOTDIR') return; // gone meanwhile: nothing to watch
    if (err.code === 'ENOSPC' && this.options.onOutOfWatches !== undefined) this.options.onOutOfWatches(err);
    else this.options.failures.fail(WATCH_JOB, folder, err, `${what}; ${this.options.consequences.unwatched}`);
  }

  private onEvent(folder: string, event: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel dropped the name (queue overflow): everything in the folder is a candidate.
      void this.lost(folder);
      return;
    }
    const path = childOf(folder, String(name));
    if (this.options.ignores(path)) return;
    const watched = this.watchers.has(path);
    if (event !== 'rename') {
      if (!watched) this.options.onPath(path);
      return;
    }
    // A stat that cannot throw, since nearly every rename is a file's (each editor's save, each gateway write).
    const isFolder = isFolderNow(posix.join(this.options.serverRoot, path));
    if (!isFolder) this.options.onPath(path);
    if (watched || isFolder) void this.folderChanged(path, watched, isFolder);
  }

  /**
   * A folder appeared, vanished or was replaced (`mv api api.old`). A watch follows the folder it was set on, not its
   * name, so the old watches are let go and the name is watched afresh.
   */
  private async folderChanged(path: string, watched: boolean, isFolder: boolean): Promise<void> {
    if (watched) this.unwatchBelow(path);
    if (isFolder) await this.watchFolder(path, true);
    if (!this.closed) this.options.onFolder?.(path);
  }

  private async lost(folder: string): Promise<void> {
    if (this.options.onFolder !== undefined) {
      this.options.onFolder(folder);
      return;
    }
    const entries = await this.listFolder(folder);
    for (const entry of entries) {
      const path = childOf(folder, entry.name);
      if (entry.isFile() && !this.closed && !this.options.ignores(path)) this.options.onPath(path);
    }
  }

  /** The folder's entries; a folder gone meanwhile has none, any other failure is reported and counted. */
  private async listFolder(folder: string): Promise<Dirent[]> {
    try {
      const entries = await this.fs.readdir(posix.join(this.options.serverRoot, folder), { withFileTypes: true });
      this.options.failures.ok(READ_JOB, folder);
      return entries;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.options.failures.fail(READ_JOB, folder, err, `cannot list folder; ${this.options.consequences.unlisted}`);
      return [];
    }
  }

  /** Closes the watches of `folder` and of every folder below it. */
  private unwatchBelow(folder: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path !== folder && !path.startsWith(`${folder}/`)) continue;
      watcher.close();
      this.watchers.delete(path);
    }
  }
}

function childOf(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

function isFolderNow(absolute: string): boolean {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
