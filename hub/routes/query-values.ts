// Reads optional numeric query and header values, refusing anything that is not a non-negative integer.
import { ArtisyncError } from '../../core/errors.js';

/** The integer in `raw`, undefined when absent; ArtisyncError (400) naming `name` when malformed. */
export function parseOptionalInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${name} must be a non-negative integer, got ${JSON.stringify(raw)}`, { subject: name });
  return Number(raw);
}
