// Names the gateway never treats as artifacts: its own temp files, dotfiles and editor leftovers.
import { isTempName } from '../fs/atomic-write.js';

/** True for a file or folder name the gateway neither scans nor watches. */
export function isIgnoredFileName(basename: string): boolean {
  return isTempName(basename) || basename.startsWith('.') || basename.endsWith('~') || basename.endsWith('.swp') || basename.endsWith('.swx');
}
