// The installed package's version, read from the package.json next to the built (or source) CLI.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The `version` of the nearest package.json above this file (dist/cli/ or cli/), "unknown" when none is found. */
export function packageVersion(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      return typeof parsed.version === 'string' ? parsed.version : 'unknown';
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
