// Watches every folder of the synced trees with one inotify watch each (fs.watch): events name the file, nothing rescans.
// chokidar re-reads a whole folder on each change and watches every file; with 10,000 artifacts in api/ that cost
// seconds per burst, so the gateway, whose events are only hints, uses this lean watcher instead.
import { lstatSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { DEFAULT_TREES, type SyncedTree } from '../../core/artifact-path.js';
import type { BackgroundFailures } from '../background-failures.js';
import { isIgnoredFileName } from './ignored-name.js';

/** Called with a server-root-relative path that may have been added, changed or removed. */
export type PathListener = (path: string) => void;

/** The filesystem calls the watcher makes, replaceable so a test can make them fail. */
export interface WatcherFs {
  watch: typeof watch;
  readdir: (path: string, options: { withFileTypes: true }) => Promise<Dirent[]>;
}

const WATCH_JOB = 'folder-watch';
const READ_JOB = 'folder-read';

/** One fs.watch per folder of both trees; new folders are picked up as they appear. */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly serverRoot: string,
    private readonly onPath: PathListener,
    private readonly failures: BackgroundFailures,
    private readonly fs: WatcherFs = { watch, readdir },
    private readonly trees: readonly SyncedTree[] = DEFAULT_TREES,
  ) {}

  /** Watches every existing folder of the synced trees (which must exist). */
  async start(): Promise<void> {
    for (const tree of this.trees) await this.watchFolder(tree, false);
  }

  /** Closes every watch. */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** Watches `folder` and its sub-folders; `announce` reports the files found (a folder that appeared after start). */
  private async watchFolder(folder: string, announce: boolean): Promise<void> {
    if (this.closed || this.watchers.has(folder)) return;
    const absolute = posix.join(this.serverRoot, folder);
    let watcher: FSWatcher;
    try {
      watcher = this.fs.watch(absolute, { persistent: false }, (event, name) => this.onEvent(folder, event, name));
    } catch (err) {
      this.failures.fail(WATCH_JOB, folder, err, 'cannot watch folder; hand edits there are found when the gateway next writes or starts');
      return;
    }
    watcher.on('error', (err) => {
      // The watch is gone (e.g. the folder was removed or became unreadable); it is set up again when the folder
      // shows up in an event of its parent or at the next start.
      this.failures.fail(WATCH_JOB, folder, err, 'folder watch stopped; hand edits there are found when the gateway next writes or starts');
      this.unwatch(folder);
    });
    this.watchers.set(folder, watcher);
    this.failures.ok(WATCH_JOB, folder);
    const entries = await this.listFolder(folder);
    for (const entry of entries) {
      if (isIgnoredFileName(entry.name)) continue;
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) await this.watchFolder(path, announce);
      else if (announce) this.onPath(path);
    }
  }

  private onEvent(folder: string, event: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel dropped the name (queue overflow): everything in the folder is a candidate.
      void this.rescan(folder);
      return;
    }
    const base = String(name);
    if (isIgnoredFileName(base)) return;
    const path = `${folder}/${base}`;
    if (this.watchers.has(path)) return;
    this.onPath(path);
    if (event !== 'rename') return;
    // Maybe a new folder: watch it and report what was copied into it before the watch existed. A stat that cannot
    // throw, since nearly every rename is a file (each write the gateway lands is one).
    if (isFolder(posix.join(this.serverRoot, path))) void this.watchFolder(path, true);
  }

  private async rescan(folder: string): Promise<void> {
    const entries = await this.listFolder(folder);
    for (const entry of entries) if (entry.isFile() && !isIgnoredFileName(entry.name)) this.onPath(`${folder}/${entry.name}`);
  }

  /** The folder's entries; a folder gone meanwhile has none, any other failure is reported and counted. */
  private async listFolder(folder: string): Promise<Dirent[]> {
    try {
      const entries = await this.fs.readdir(posix.join(this.serverRoot, folder), { withFileTypes: true });
      this.failures.ok(READ_JOB, folder);
      return entries;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.failures.fail(READ_JOB, folder, err, 'cannot list folder; files in it are not watched for hand edits');
      return [];
    }
  }

  private unwatch(folder: string): void {
    this.watchers.get(folder)?.close();
    this.watchers.delete(folder);
  }
}

function isFolder(absolute: string): boolean {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
