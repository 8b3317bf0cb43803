// Runs a command's body and turns what it throws into SPEC.md's one-line error and exit code (1 failed, 2 usage/config).
import { ArtisyncError, ConfigError } from '../core/errors.js';

/** Exit statuses every command uses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Prints `artisync: <message>` on stderr. */
export function printError(message: string): void {
  process.stderr.write(`artisync: ${message}\n`);
}

/** The exit status an error maps to: 2 for configuration and usage errors, 1 for everything else. */
export function exitStatusOf(err: unknown): number {
  if (err instanceof ConfigError) return EXIT.usage;
  if (err instanceof ArtisyncError && err.code === 'ARTISYNC_BAD_REQUEST') return EXIT.usage;
  return EXIT.failed;
}

/** Wraps a commander action: a returned number becomes the exit code, a thrown error one line on stderr. */
export function commandAction<Args extends unknown[]>(
  body: (...args: Args) => Promise<number | void> | number | void,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      const status = await body(...args);
      if (typeof status === 'number') process.exitCode = status;
    } catch (err) {
      printError(err instanceof Error ? err.message : String(err));
      process.exitCode = exitStatusOf(err);
    }
  };
}
