// Usage errors raised by commands after commander parsed their options: they exit with status 2.
import { ArtisyncError } from '../core/errors.js';

/** An error for a wrong or missing option; commandAction maps it to exit status 2. */
export function usageError(message: string): ArtisyncError {
  return new ArtisyncError('ARTISYNC_BAD_REQUEST', message);
}
