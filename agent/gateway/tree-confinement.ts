// Keeps the gateway's writes inside its server root even when a folder in a synced tree is a symlink leading out.
import { posix } from 'node:path';

/** The one filesystem call the check makes. */
export interface RealpathFs {
  realpath(path: string): Promise<string>;
}

/**
 * True when the folder of `path` (or, while it does not exist yet, its nearest existing ancestor, since mkdir will
 * create real folders below it) resolves inside `serverRoot` (SPEC.md guarantee 10).
 */
export async function staysInsideRoot(fs: RealpathFs, serverRoot: string, path: string): Promise<boolean> {
  const root = await fs.realpath(serverRoot);
  let probe = posix.dirname(posix.join(serverRoot, path));
  for (;;) {
    try {
      const real = await fs.realpath(probe);
      return real === root || real.startsWith(`${root}/`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = posix.dirname(probe);
      if (parent === probe) return false;
      probe = parent;
    }
  }
}
