// Scratch folders for one bench run: every copy gets a new name, because on this VM's journal-less ext4 deleting
// and recreating trees makes every later file creation slow for about a minute (see shared/bench/peers-measured.md).
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './run-command.js';

const CLEANUP_MARKER = '.last-cleanup';
// ext4 without a journal skips inodes freed in the last 60 s when it allocates new ones (recently_deleted()).
const FREED_INODE_QUIET_MS = 65_000;

/** Hands out fresh, never-reused folders under one run folder, removed together at the end of the run. */
export class Scratch {
  private serial = 0;

  private constructor(
    readonly base: string,
    readonly runDir: string,
  ) {}

  /** How long to wait before creating files so that an earlier run's cleanup no longer slows them (0 when none). */
  static async quietRemainingMs(base: string, nowMs: number): Promise<number> {
    const marker = await stat(join(base, CLEANUP_MARKER)).catch(() => undefined);
    return marker === undefined ? 0 : Math.max(0, marker.mtimeMs + FREED_INODE_QUIET_MS - nowMs);
  }

  /** Creates the run folder `base/run-<stamp>-<pid>`. */
  static async create(base: string, stamp: string): Promise<Scratch> {
    const runDir = join(base, `run-${stamp}-${process.pid}`);
    await mkdir(runDir, { recursive: true });
    return new Scratch(base, runDir);
  }

  /** A path that has never existed in this run (not created: rsync and cp create it themselves). */
  freshPath(name: string): string {
    this.serial += 1;
    return join(this.runDir, `${name}-${this.serial}`);
  }

  /** A fresh, created, empty folder. */
  async freshDir(name: string): Promise<string> {
    const dir = this.freshPath(name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Removes the whole run folder, once, after every timed block; the marker lets the next run wait out the penalty. */
  async removeAll(): Promise<void> {
    await rm(this.runDir, { recursive: true, force: true });
    // Flushed inode tables shorten ext4's recently-deleted window from 360 s to 60 s.
    await runCommand('sync', []);
    await writeFile(join(this.base, CLEANUP_MARKER), `${this.runDir}\n`);
  }
}
