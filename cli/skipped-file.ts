// Names `artisync import` never uploads: dotfiles, editor temp files and artisync's own temp files (SPEC.md guarantee 2).

const EDITOR_TEMP = [/\.swp$/, /\.swx$/, /~$/, /^\.#/, /\.tmp$/, /^4913$/];

/** True when a file or folder name must not travel: dotfiles (incl. `.artisync-*`), vim/emacs temp files, `*.tmp`. */
export function isSkippedFileName(name: string): boolean {
  if (name.startsWith('.')) return true;
  return EDITOR_TEMP.some((pattern) => pattern.test(name));
}
