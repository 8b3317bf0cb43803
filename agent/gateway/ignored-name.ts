// Names the gateway never treats as artifacts: core's ignored names (dotfiles, editor leftovers, `.artisync-*` temps).
import { isIgnoredName } from '../../core/ignored-file.js';

/** True for a file or folder name the gateway neither scans nor watches. */
export function isIgnoredFileName(basename: string): boolean {
  return isIgnoredName(basename);
}
