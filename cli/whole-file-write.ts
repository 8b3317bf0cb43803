// Writes a file so no reader ever sees it half-written: temp file in the same folder, fsync, rename.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `content` to `target` through `.artisync-<random>.tmp` beside it (a name no hot deployer picks up). */
export async function writeFileWhole(target: string, content: Uint8Array): Promise<void> {
  const folder = dirname(target);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.artisync-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw Object.assign(err as Error, { message: `cannot write ${basename(target)} in ${folder}: ${(err as Error).message}` });
  }
}
