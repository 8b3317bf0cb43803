// A person's hand at a gateway's server root: absolute paths, reads that tolerate absence, writes that create folders.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** File helpers for the tree under `serverRoot()` (read lazily: a suite's folder changes per test). */
export function handAt(serverRoot: () => string): {
  file: (path: string) => string;
  content: (path: string) => Promise<string | null>;
  handWrite: (path: string, text: string) => Promise<void>;
} {
  const file = (path: string): string => join(serverRoot(), path);
  return {
    file,
    content: (path) => readFile(file(path), 'utf8').catch(() => null),
    handWrite: async (path, text) => {
      await mkdir(dirname(file(path)), { recursive: true });
      await writeFile(file(path), text);
    },
  };
}
