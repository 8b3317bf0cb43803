// Writes a file so no reader ever sees it half-written, through the agent's one atomic writer (temp, fsync, rename, folder fsync).
import * as fsPromises from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { atomicWrite } from '../agent/fs/atomic-write.js';

/** Writes `content` to `target` through `.artisync-<random>.tmp` beside it (a name no hot deployer picks up). */
export async function writeFileWhole(target: string, content: Uint8Array): Promise<void> {
  try {
    await atomicWrite(fsPromises, target, content);
  } catch (err) {
    throw Object.assign(err as Error, { message: `cannot write ${basename(target)} in ${dirname(target)}: ${(err as Error).message}` });
  }
}
