// Watches the synced trees under server_root, one fs.watch per folder (agent/fs/folder-watcher.ts); events are only
// hints of which paths to re-read, the periodic rescan is the truth.
import { watch } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Logger } from 'pino';
import { SYNCED_TREES, treeOf } from '../../core/artifact-path.js';
import { BackgroundFailures } from '../background-failures.js';
import { FolderWatcher } from '../fs/folder-watcher.js';
import { TreePoller } from './tree-poller.js';

/** What the watcher tells its owner, as server-root-relative paths. */
export interface TreeWatcherHandlers {
  /** A file may have been added, changed or removed. */
  onPath(relativePath: string): void;
  /** A folder appeared or vanished (a whole-folder move): everything at or below it must be looked at. */
  onFolder(relativeFolder: string): void;
  /** Events may have been missed (a fallback to polling): everything must be looked at. */
  onRescan(): void;
}

/** Options of a TreeWatcher. */
export interface TreeWatcherOptions {
  serverRoot: string;
  isIgnoredPath: (relativePath: string) => boolean;
  logger: Logger;
  /** How often to look for a server root that does not exist yet. */
  rootPollMs?: number;
  /** `fs.watch`, replaceable so a test can make it fail the way a kernel out of watches does. */
  watch?: typeof watch;
  /** The shortest pause between two polls of the trees once out of inotify watches; a test shortens it. */
  pollMs?: number;
  /** `fs.access`, replaceable so a test can make the server root unreachable (EACCES) even when run as root. */
  access?: (path: string) => Promise<void>;
  /** Where a server root that cannot be reached is reported; without it, it is only logged. */
  failures?: BackgroundFailures;
}

const ROOT_JOB = 'server-root';

// The folders between the server root and the trees must be watched for the trees to be found when they appear.
const TREE_ANCESTORS = new Set(SYNCED_TREES.flatMap((tree) => tree.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))));

/** Watches server_root's synced trees; a missing server root is waited for, ENOSPC falls back to polling. */
export class TreeWatcher {
  private watcher: FolderWatcher | undefined;
  private poller: TreePoller | undefined;
  private rootTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly root: string;
  private readonly failures: BackgroundFailures;

  constructor(private readonly options: TreeWatcherOptions, private readonly handlers: TreeWatcherHandlers) {
    this.root = posix.resolve(options.serverRoot);
    this.failures = options.failures ?? new BackgroundFailures(options.logger, { countBackgroundFailure: () => undefined });
  }

  /** Starts watching (or waiting for the server root); resolves once the initial watch is ready or the wait began. */
  async start(): Promise<void> {
    const state = await this.rootState();
    if (state === 'present') return this.watchRoot();
    if (state === 'missing') this.options.logger.warn({ serverRoot: this.root }, 'server root does not exist yet; waiting for it');
    this.rootTimer = setInterval(() => void this.checkRoot(), this.options.rootPollMs ?? 1000);
  }

  /** Stops watching. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.rootTimer !== undefined) clearInterval(this.rootTimer);
    this.watcher?.close();
    this.poller?.stop();
    return Promise.resolve();
  }

  /** True when `relative` (to the server root) is not watched: outside the trees, or ignored by the core rules. */
  ignores(relative: string): boolean {
    if (relative === '' || TREE_ANCESTORS.has(relative)) return false;
    if (treeOf(relative) === undefined) return true;
    return this.options.isIgnoredPath(relative);
  }

  private async checkRoot(): Promise<void> {
    if (this.stopped || this.watcher !== undefined || (await this.rootState()) !== 'present') return;
    clearInterval(this.rootTimer);
    this.options.logger.info({ serverRoot: this.root }, 'server root appeared; watching it');
    await this.watchRoot();
    this.handlers.onRescan();
  }

  /** Whether the server root can be watched; only ENOENT means "not there yet", anything else is reported once. */
  private async rootState(): Promise<'present' | 'missing' | 'unreachable'> {
    try {
      await (this.options.access ?? access)(this.root);
      this.failures.ok(ROOT_JOB, this.root);
      return 'present';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      this.failures.fail(ROOT_JOB, this.root, err, 'cannot reach the server root (it exists, but not for this user); waiting for access');
      return 'unreachable';
    }
  }

  /** Watches the server root's own entries, the folders between it and the trees, and every folder of the trees. */
  private async watchRoot(): Promise<void> {
    const watcher = new FolderWatcher({
      serverRoot: this.root,
      folders: [''],
      ignores: (path) => this.ignores(path),
      // Only paths in the trees are artifacts: an event naming the folders above them only matters as a folder event.
      onPath: (path) => {
        if (treeOf(path) !== undefined) this.handlers.onPath(path);
      },
      // The server root's own events lost: nothing narrower than everything is known to be affected.
      onFolder: (folder) => (folder === '' ? this.handlers.onRescan() : this.handlers.onFolder(folder)),
      onOutOfWatches: (err) => void this.fallBackToPolling(err),
      failures: this.failures,
      consequences: { unwatched: 'changes there are found by the periodic rescan', unlisted: 'its sub-folders are not watched; changes there are found by the periodic rescan' },
      ...(this.options.watch === undefined ? {} : { fs: { watch: this.options.watch, readdir } }),
    });
    this.watcher = watcher;
    await watcher.start();
  }

  /** Out of inotify watches: every watch is let go (a partial watch would miss changes unseen) and the trees are polled. */
  private async fallBackToPolling(err: NodeJS.ErrnoException): Promise<void> {
    if (this.poller !== undefined || this.stopped) return;
    this.options.logger.warn(
      { err, sysctl: 'fs.inotify.max_user_watches' },
      'out of inotify watches; falling back to polling. Raise the limit, e.g. `sysctl -w fs.inotify.max_user_watches=524288` (and set it in /etc/sysctl.d/), then restart the agent',
    );
    this.watcher?.close();
    const poller = new TreePoller({
      serverRoot: this.root,
      isIgnoredPath: this.options.isIgnoredPath,
      failures: this.failures,
      onPath: (path) => this.handlers.onPath(path),
      ...(this.options.pollMs === undefined ? {} : { minPauseMs: this.options.pollMs }),
    });
    this.poller = poller;
    // The first snapshot comes before the rescan: what changed before it is found by the rescan, after it by polling.
    await poller.start();
    if (!this.stopped) this.handlers.onRescan();
  }
}
