// Watches the two synced trees under server_root with chokidar; events are only hints of which paths to re-read.
import type { Stats } from 'node:fs';
import { access } from 'node:fs/promises';
import { posix } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { SYNCED_TREES, treeOf } from '../../core/artifact-path.js';
import { BackgroundFailures } from '../background-failures.js';

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
  /** chokidar's `watch`, replaceable so a test can make it fail the way a kernel out of watches does. */
  watch?: typeof watch;
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
  private watcher: FSWatcher | undefined;
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
    if (state === 'present') return this.watchRoot(false);
    if (state === 'missing') this.options.logger.warn({ serverRoot: this.root }, 'server root does not exist yet; waiting for it');
    this.rootTimer = setInterval(() => void this.checkRoot(), this.options.rootPollMs ?? 1000);
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rootTimer !== undefined) clearInterval(this.rootTimer);
    await this.watcher?.close();
  }

  /** True when chokidar must not look at `absolutePath`: outside the trees, or ignored by the core rules. */
  isIgnored(absolutePath: string): boolean {
    const relative = posix.relative(this.root, absolutePath);
    if (relative === '' || TREE_ANCESTORS.has(relative)) return false;
    if (relative.startsWith('..') || treeOf(relative) === undefined) return true;
    return this.options.isIgnoredPath(relative);
  }

  private async checkRoot(): Promise<void> {
    if (this.stopped || this.watcher !== undefined || (await this.rootState()) !== 'present') return;
    clearInterval(this.rootTimer);
    this.options.logger.info({ serverRoot: this.root }, 'server root appeared; watching it');
    await this.watchRoot(false);
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

  private async watchRoot(usePolling: boolean): Promise<void> {
    const watcher = (this.options.watch ?? watch)(this.root, {
      // With inotify, chokidar watches folders only: their raw events name every file that changed, and a watcher per
      // file would cost a handle and a stat per event for nothing. Polling needs the per-file watchers.
      ignored: (path: string, stats?: Stats) => this.isIgnored(path) || (!usePolling && stats?.isFile() === true),
      ignoreInitial: true,
      followSymlinks: false,
      awaitWriteFinish: false,
      atomic: false,
      usePolling,
      interval: 500,
    });
    this.watcher = watcher;
    const relative = (path: string): string => posix.relative(this.root, path);
    // chokidar's own events can miss a rename over an existing file (an editor's save); raw events are hints too.
    watcher.on('raw', (_event, name, details) => this.onRawEvent(name, details));
    watcher.on('add', (path) => this.handlers.onPath(relative(path)));
    watcher.on('change', (path) => this.handlers.onPath(relative(path)));
    watcher.on('unlink', (path) => this.handlers.onPath(relative(path)));
    watcher.on('addDir', (path) => this.handlers.onFolder(relative(path)));
    watcher.on('unlinkDir', (path) => this.handlers.onFolder(relative(path)));
    watcher.on('error', (err) => void this.onError(err as NodeJS.ErrnoException, usePolling));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  private onRawEvent(name: string | null, details: unknown): void {
    const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (typeof watchedPath !== 'string') return;
    // A folder's watcher names the child; a file's watcher (polling) names nothing, and then the watched path is the hint.
    const candidate = name === null || name === '' ? watchedPath : posix.join(watchedPath, name);
    const relative = posix.relative(this.root, candidate);
    if (treeOf(relative) !== undefined && !this.isIgnored(candidate)) this.handlers.onPath(relative);
  }

  private async onError(err: NodeJS.ErrnoException, polling: boolean): Promise<void> {
    if (err.code !== 'ENOSPC' || polling || this.stopped) {
      this.options.logger.error({ err }, 'watcher error');
      return;
    }
    this.options.logger.warn(
      { err, sysctl: 'fs.inotify.max_user_watches' },
      'out of inotify watches; falling back to polling. Raise the limit, e.g. `sysctl -w fs.inotify.max_user_watches=524288` (and set it in /etc/sysctl.d/), then restart the agent',
    );
    const old = this.watcher;
    this.watcher = undefined;
    await old?.close();
    if (this.stopped) return;
    await this.watchRoot(true);
    this.handlers.onRescan();
  }
}

