// Watches every folder of the synced trees with one inotify watch each (fs.watch): events name the file, nothing rescans.
// chokidar re-reads a whole folder on each change and watches every file; with 10,000 artifacts in api/ that cost
// seconds per burst, so the gateway, whose events are only hints, uses this lean watcher instead.
import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Logger } from 'pino';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { isIgnoredFileName } from './ignored-name.js';

/** Called with a server-root-relative path that may have been added, changed or removed. */
export type PathListener = (path: string) => void;

/** One fs.watch per folder of both trees; new folders are picked up as they appear. */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly serverRoot: string,
    private readonly onPath: PathListener,
    private readonly logger: Logger,
  ) {}

  /** Watches every existing folder of both trees (which must exist). */
  async start(): Promise<void> {
    for (const tree of SYNCED_TREES) await this.watchFolder(tree, false);
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
      watcher = watch(absolute, { persistent: false }, (event, name) => this.onEvent(folder, event, name));
    } catch (err) {
      this.logger.warn({ err, folder }, 'cannot watch folder; hand edits there are found when the gateway next writes or starts');
      return;
    }
    watcher.on('error', () => this.unwatch(folder));
    this.watchers.set(folder, watcher);
    const entries = await readdir(absolute, { withFileTypes: true }).catch(() => []);
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
    const entries = await readdir(posix.join(this.serverRoot, folder), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile() && !isIgnoredFileName(entry.name)) this.onPath(`${folder}/${entry.name}`);
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
