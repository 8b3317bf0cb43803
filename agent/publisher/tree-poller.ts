// The publisher's watcher without inotify (the kernel is out of watches): the trees are lstat'ed at a short interval
// and every path whose size, mtime or inode moved, or that appeared or vanished, is reported as an event would be.
import type { BackgroundFailures } from '../background-failures.js';
import { sameFingerprint, type FileFingerprint } from '../../core/file-fingerprint.js';
import { statTrees } from './tree-scanner.js';

// A second keeps a save's delay close to what it is with inotify. The pause also grows with the round (a round of
// 10,000 files takes 35–50 ms on a small VM), so polling never takes more than about a twentieth of a core.
const MIN_PAUSE_MS = 1_000;
const PAUSE_PER_ROUND = 20;
const POLL_JOB = 'tree-poll';

/** What a TreePoller looks at and whom it tells. */
export interface TreePollerOptions {
  serverRoot: string;
  isIgnoredPath: (relativePath: string) => boolean;
  /** Where a round that fails is reported (once per outage). */
  failures: BackgroundFailures;
  onPath(relativePath: string): void;
  /** The shortest pause between two rounds; a test shortens it. */
  minPauseMs?: number;
}

/** Polls the trees with a stat scan and reports the paths that differ from the previous round. */
export class TreePoller {
  private last = new Map<string, FileFingerprint>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: TreePollerOptions) {}

  /** Takes the first snapshot, which later rounds are compared with, and starts the rounds. */
  async start(): Promise<void> {
    const started = performance.now();
    this.last = await this.snapshot() ?? this.last;
    this.schedule(performance.now() - started);
  }

  /** Stops the rounds. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(roundMs: number): void {
    if (this.stopped) return;
    const pauseMs = Math.max(this.options.minPauseMs ?? MIN_PAUSE_MS, roundMs * PAUSE_PER_ROUND);
    this.timer = setTimeout(() => void this.round(), pauseMs);
  }

  private async round(): Promise<void> {
    const started = performance.now();
    const now = await this.snapshot();
    if (now !== undefined && !this.stopped) {
      for (const [path, fingerprint] of now) if (!sameFingerprint(this.last.get(path), fingerprint)) this.options.onPath(path);
      for (const path of this.last.keys()) if (!now.has(path)) this.options.onPath(path);
      this.last = now;
    }
    this.schedule(performance.now() - started);
  }

  private async snapshot(): Promise<Map<string, FileFingerprint> | undefined> {
    try {
      const found = await statTrees(this.options.serverRoot, this.options.isIgnoredPath);
      this.options.failures.ok(POLL_JOB, this.options.serverRoot);
      return found;
    } catch (err) {
      this.options.failures.fail(POLL_JOB, this.options.serverRoot, err, 'cannot poll the trees; trying again next round');
      return undefined;
    }
  }
}
