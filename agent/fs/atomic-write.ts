// Whole-file writes: temp file in the same folder, write, fsync, rename, folder fsync — a reader never sees a partial file.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/** Prefix of every temp file artisync creates; watchers ignore it and no hot deployer picks it up. */
export const TEMP_PREFIX = '.artisync-';

/** The file handle calls a staged write makes. */
export interface WritableHandle {
  writeFile(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The filesystem calls atomic writes need (node:fs/promises and memfs both fit). */
export interface AtomicFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: string, mode?: number): Promise<WritableHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
}

/** A temp name in the folder of `target`: `.artisync-<random>.tmp`, never ending in `.xml` or `.siddhiql`. */
export function tempPathFor(target: string, random: string = randomBytes(8).toString('hex')): string {
  return join(dirname(target), `${TEMP_PREFIX}${random}.tmp`);
}

/** True when a file name is one of artisync's temp files. */
export function isTempName(basename: string): boolean {
  return basename.startsWith(TEMP_PREFIX);
}

/** How a temp is written: `sync: false` when the caller makes it durable another way before renaming it. */
export interface TempOptions {
  sync?: boolean;
  /** The caller created the target's folder already (once for a whole batch). */
  folderExists?: boolean;
}

/** Writes `data` to a new temp file next to `target` (creating folders), fsyncs it, and returns the temp path. */
export async function writeTemp(fs: AtomicFs, target: string, data: Uint8Array, options: TempOptions = {}): Promise<string> {
  if (options.folderExists !== true) await fs.mkdir(dirname(target), { recursive: true });
  const sync = options.sync ?? true;
  const temp = tempPathFor(target);
  const handle = await fs.open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    if (sync) await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/** Replaces `target` with `data` in one rename, then fsyncs its folder so the rename survives a power cut. */
export async function atomicWrite(fs: AtomicFs, target: string, data: Uint8Array): Promise<void> {
  const temp = await writeTemp(fs, target, data);
  try {
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await syncFolder(fs, dirname(target));
}

/** The one call a folder fsync makes (narrower than AtomicFs, so the publisher's journal fs fits too). */
export interface FolderSyncFs {
  open(path: string, flags: 'r'): Promise<Pick<WritableHandle, 'sync' | 'close'>>;
}

// What a filesystem answers when it cannot fsync a folder at all (some FUSE mounts); any other failure is real.
const FOLDER_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EISDIR']);

/**
 * fsyncs a folder: a rename or unlink is in the folder's entries, which a file's own fsync does not flush, so without
 * this a power cut can undo a rename that was already acknowledged.
 */
export async function syncFolder(fs: FolderSyncFs, folder: string): Promise<void> {
  let handle: Pick<WritableHandle, 'sync' | 'close'>;
  try {
    handle = await fs.open(folder, 'r');
  } catch (err) {
    if (FOLDER_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!FOLDER_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle.close();
  }
}
