// Keeps the gateway's writes inside its server root even when a folder in a synced tree is a symlink leading out.
import { posix } from 'node:path';

/** The one filesystem call the check makes. */
export interface RealpathFs {
  realpath(path: string): Promise<string>;
}

/**
 * True when the folder of `path` resolves inside `serverRoot` (guarantee 10 in docs/guarantees.md). Folders that do not exist yet
 * count by their nearest existing ancestor, since mkdir will create real folders below it.
 */
export async function staysInsideRoot(fs: RealpathFs, serverRoot: string, path: string): Promise<boolean> {
  const root = await resolveExisting(fs, posix.resolve(serverRoot));
  const folder = await resolveExisting(fs, posix.dirname(posix.join(posix.resolve(serverRoot), path)));
  return folder === root || folder.startsWith(`${root}/`);
}

/** The real path of the nearest existing ancestor of `path`, with the missing remainder appended as it is. */
export async function resolveExisting(fs: RealpathFs, path: string): Promise<string> {
  const missing: string[] = [];
  let probe = path;
  for (;;) {
    try {
      return posix.join(await fs.realpath(probe), ...missing.reverse());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = posix.dirname(probe);
      if (parent === probe) throw err;
      missing.push(posix.basename(probe));
      probe = parent;
    }
  }
}
