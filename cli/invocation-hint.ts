// How `artisync up` spells the commands it suggests: `artisync …` from an installed binary, `node dist/cli/main.js …` from a checkout.
import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, join, relative } from 'node:path';

/** Where the running CLI came from. */
export interface Invocation {
  /** process.argv[1]: the bin link (…/bin/artisync) or the script (dist/cli/main.js). */
  argv1: string;
  /** Real path of argv1. */
  realArgv1: string;
  /** The built entry script, absolute. */
  entryScript: string;
  cwd: string;
  /** Real path of the `artisync` found first on PATH, if any. */
  onPath: string | undefined;
}

/** The command prefix a user can paste: `artisync` when PATH finds this binary, its full path otherwise, or `node SCRIPT`. */
export function commandHint(invocation: Invocation): string {
  if (basename(invocation.argv1) !== 'main.js') {
    return invocation.onPath === invocation.realArgv1 ? 'artisync' : invocation.argv1;
  }
  const fromCwd = relative(invocation.cwd, invocation.entryScript);
  return `node ${fromCwd.startsWith('..') ? invocation.entryScript : fromCwd}`;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The running process's invocation, read from argv, the cwd and PATH. */
export function currentInvocation(entryScript: string, env: NodeJS.ProcessEnv = process.env): Invocation {
  const argv1 = process.argv[1] ?? entryScript;
  const found = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'artisync')).find((candidate) => existsSync(candidate));
  return { argv1, realArgv1: realOrSelf(argv1), entryScript, cwd: process.cwd(), onPath: found === undefined ? undefined : realOrSelf(found) };
}
