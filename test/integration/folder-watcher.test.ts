// The shared per-folder watcher as the gateway uses it (no folder handler): a new folder's files come as paths, and a
// folder moved away and made again is watched under its name again. The publisher's use: publisher/tree-watcher.test.ts.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundFailures } from '../../agent/background-failures.js';
import type { FolderWatcher } from '../../agent/fs/folder-watcher.js';
import { handEditWatcher } from '../../agent/gateway/override-watcher.js';
import { DEFAULT_TREES } from '../../core/artifact-path.js';
import { makeTempDir, removeTempDir, writeTree } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const API = 'synapse-configs/default/api';

let root: string;
let outside: string;
let watcher: FolderWatcher | undefined;
let seen: string[];

beforeEach(async () => {
  root = await makeTempDir('artisync-folder-watch-');
  outside = await makeTempDir('artisync-folder-watch-outside-');
  for (const tree of DEFAULT_TREES) await mkdir(join(root, tree), { recursive: true });
  await mkdir(join(root, API));
  seen = [];
  watcher = handEditWatcher({ serverRoot: root, trees: DEFAULT_TREES }, new BackgroundFailures(pino({ level: 'silent' }), { countBackgroundFailure: () => undefined }), (path) => seen.push(path));
  await watcher.start();
});

afterEach(async () => {
  watcher?.close();
  await removeTempDir(root);
  await removeTempDir(outside);
});

describe('the per-folder watcher without a folder handler', () => {
  it('reports the files of a folder moved in, down to its sub-folders, and watches them', async () => {
    await writeTree(outside, { 'sequences/s1.xml': '<sequence/>', 'sequences/nested/s2.xml': '<sequence/>', 'sequences/.s1.xml.swp': 'swap' });
    await rename(join(outside, 'sequences'), join(root, 'synapse-configs/default/sequences'));
    const moved = ['synapse-configs/default/sequences/s1.xml', 'synapse-configs/default/sequences/nested/s2.xml'];
    await waitFor(() => moved.every((path) => seen.includes(path)), { message: 'the files found in the new folder' });
    await writeFile(join(root, 'synapse-configs/default/sequences/nested/s3.xml'), '<sequence/>');
    await waitFor(() => seen.includes('synapse-configs/default/sequences/nested/s3.xml'), { message: 'a write in the new sub-folder' });
    expect(seen.filter((path) => path.includes('.swp'))).toEqual([]);
  });

  it('watches a folder made again after the old one was moved away, and the moved one under its new name', async () => {
    expect(watcher?.size).toBe(3);
    await rename(join(root, API), join(root, `${API}.old`));
    await mkdir(join(root, API));
    await waitFor(() => watcher?.size === 4, { message: 'both folders watched' });
    await writeFile(join(root, `${API}/a.xml`), '<api/>');
    await writeFile(join(root, `${API}.old/b.xml`), '<api/>');
    await waitFor(() => seen.includes(`${API}/a.xml`) && seen.includes(`${API}.old/b.xml`), { message: 'writes in both folders' });
    expect(seen).not.toContain(`${API}/b.xml`);
  });
});
