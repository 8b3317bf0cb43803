// Parses a version number given on the command line (`--from 3`, `--to 7`).
import { usageError } from './usage-error.js';

/** A positive integer version, undefined when the option is absent; a usage error otherwise. */
export function parseVersionOption(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw.trim())) throw usageError(`${flag} ${JSON.stringify(raw)} is not a version number (1, 2, 3 …)`);
  return Number(raw.trim());
}
