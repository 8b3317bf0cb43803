// One agent per state_dir: `state_dir/agent.lock` holds the PID of the agent using it; a lock whose PID is gone is taken over.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ArtisyncError } from '../core/errors.js';

/** Name of the lock file inside state_dir. */
export const LOCK_FILE = 'agent.lock';

/** A held lock; release removes it if it still holds this process's PID. */
export interface StateDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The same lock for another folder and holder, e.g. `artisync up`'s DIR/up.lock. */
export interface FolderLockOptions {
  /** Lock file name inside the folder (default agent.lock). */
  file?: string;
  /** The refusal when a live process holds the lock. */
  refusal?: (holderPid: number, lockPath: string) => string;
  /** What is logged when a lock whose PID is gone is taken over. */
  staleWarning?: string;
}

/** True when a process with this PID exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `state_dir/agent.lock` for `pid`, or throws ARTISYNC_STATE_DIR_LOCKED naming the holder's PID. The lock is
 * created whole, by a hard link from a temp file holding the PID, which fails when the lock exists (as O_EXCL does),
 * so no other agent ever reads a lock without its PID.
 */
export async function lockStateDir(stateDir: string, logger: Pick<Logger, 'warn'>, pid: number = process.pid, options: FolderLockOptions = {}): Promise<StateDirLock> {
  const file = options.file ?? LOCK_FILE;
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, file);
  const temp = join(stateDir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, `${pid}\n`, { flush: true });
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (await linkOrExists(temp, path)) return { path, release: () => releaseLock(path, pid) };
      const holder = await readHolder(path);
      if (holder === undefined) continue; // gone in between: try again
      if (holder !== pid && isProcessAlive(holder)) {
        const message = options.refusal?.(holder, path) ?? `state_dir ${stateDir} is in use by another agent (PID ${holder}, ${path})`;
        throw new ArtisyncError('ARTISYNC_STATE_DIR_LOCKED', message, { subject: path });
      }
      if (await removeIfHeldBy(path, holder, pid)) logger.warn({ lock: path, stalePid: holder }, options.staleWarning ?? 'took over a stale state_dir lock (its agent is gone)');
    }
    throw new ArtisyncError('ARTISYNC_STATE_DIR_LOCKED', `state_dir ${stateDir}: could not take ${path}; another agent keeps replacing it`, { subject: path });
  } finally {
    await rm(temp, { force: true });
  }
}

async function linkOrExists(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The PID in the lock file; NaN when it holds something else, undefined when it is gone. */
async function readHolder(path: string): Promise<number | undefined> {
  try {
    return Number.parseInt(await readFile(path, 'utf8'), 10);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Moves the stale lock aside (one rename: of two agents taking it over, one wins) and deletes it if it was the one
 * read; a fresh lock moved aside by mistake is put back.
 */
async function removeIfHeldBy(path: string, holder: number, pid: number): Promise<boolean> {
  const aside = `${path}.stale-${pid}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = await readHolder(aside);
  if (moved === holder || Number.isNaN(moved)) {
    await rm(aside, { force: true });
    return true;
  }
  await linkOrExists(aside, path);
  await rm(aside, { force: true });
  return false;
}

async function releaseLock(path: string, pid: number): Promise<void> {
  if ((await readHolder(path)) === pid) await rm(path, { force: true });
}
