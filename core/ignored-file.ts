// Names that never travel: dotfiles, editor swap/backup/temp files, and the agent's own temp files.

// vim writes `.name.swp`, then `.swo`, `.swn`, … down to `.swa` when several sessions edit one file, and `.swx` when
// probing; `4913` is the file vim creates to test whether it may write in a folder.
const VIM_SWAP = /\.sw[a-px]$/;
const VIM_PROBE = '4913';

/** True when a file or folder name must never travel: dotfiles (incl. `.artisync-*` temps), swap, backup (incl. Synapse's `.back`) and temp files. */
export function isIgnoredName(basename: string): boolean {
  if (basename.length === 0) return false;
  if (basename.startsWith('.')) return true; // dotfiles, emacs `.#lock`, our own `.artisync-*` temps
  if (basename.endsWith('~')) return true; // emacs, gedit and kate backups
  if (basename.length > 1 && basename.startsWith('#') && basename.endsWith('#')) return true; // emacs auto-save
  if (basename.endsWith('.tmp')) return true;
  // Synapse's hot deployer moves an artifact it could not deploy to `<name>.back` (see agent/gateway/carbon-restore.ts).
  if (basename.endsWith('.back')) return true;
  if (basename === VIM_PROBE) return true;
  return VIM_SWAP.test(basename);
}

/** True when any segment of a POSIX relative path is an ignored name (a dot-folder hides everything below it). */
export function isIgnoredPath(relativePath: string): boolean {
  return relativePath.split('/').some(isIgnoredName);
}
