// syncFilesystem on real folders: one `sync -f` for every folder of a batch, and a clear failure for a file that is gone.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncFilesystem } from '../../agent/fs/sync-filesystem.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';

let root: string;

beforeEach(async () => {
  root = await makeTempDir('artisync-syncfs-');
});

afterEach(async () => {
  await removeTempDir(root);
});

describe('syncFilesystem', () => {
  it('flushes files spread over several folders', async () => {
    const files = [join(root, 'api/a.tmp'), join(root, 'endpoints/e.tmp')];
    for (const file of files) {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, 'content');
    }
    await syncFilesystem(root, files);
    expect(await readFile(files[1] as string, 'utf8')).toBe('content');
  });

  it('fails when a file to make durable does not exist', async () => {
    await expect(syncFilesystem(root, [join(root, 'gone/x.tmp')])).rejects.toThrow(/ENOENT/);
  });
});
