// import's tree walk and export's whole-file writes on a real temp dir: what is listed, refused, and left behind.
import { readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkServerRoot } from '../../cli/server-root-walk.js';
import { writeFileWhole } from '../../cli/whole-file-write.js';
import { makeTempDir, removeTempDir, writeTree } from '../support/temp-tree.js';

let root = '';

beforeEach(async () => {
  root = await makeTempDir('artisync-cli-tree-');
});

afterEach(async () => {
  await removeTempDir(root);
});

describe('walkServerRoot', () => {
  it('lists files of both trees only, sorted, skipping ignored names and refusing symlinks', async () => {
    await writeTree(root, {
      'synapse-configs/default/api/b.xml': '<api/>',
      'synapse-configs/default/api/a.xml': '<api/>',
      'synapse-configs/default/api/.a.xml.swp': 'swap',
      'synapse-configs/default/.git/config': 'x',
      'synapse-configs/default/sequences/a.xml~': 'backup',
      'synapse-configs/other/x.xml': 'outside the trees',
      'executionplans/p.siddhiql': "@Plan:name('p')",
      'repository/elsewhere.txt': 'not synced',
    });
    await symlink(join(root, 'synapse-configs/default/api/a.xml'), join(root, 'synapse-configs/default/api/link.xml'));
    const walk = await walkServerRoot(root);
    expect(walk.files.map((file) => file.path)).toEqual([
      'executionplans/p.siddhiql',
      'synapse-configs/default/api/a.xml',
      'synapse-configs/default/api/b.xml',
    ]);
    expect(walk.files[0]).toMatchObject({ absolutePath: join(root, 'executionplans/p.siddhiql'), size: 15 });
    expect(walk.refused).toEqual([{ path: 'synapse-configs/default/api/link.xml', reason: 'a symlink, not followed' }]);
  });

  it('finds nothing in a server root without the trees', async () => {
    expect(await walkServerRoot(root)).toEqual({ files: [], refused: [] });
  });
});

describe('writeFileWhole', () => {
  it('creates folders, replaces content and leaves no temp file behind', async () => {
    const target = join(root, 'synapse-configs/default/api/a.xml');
    await writeFileWhole(target, Buffer.from('<api name="one"/>'));
    await writeFileWhole(target, Buffer.from('<api name="two"/>'));
    expect(await readFile(target, 'utf8')).toBe('<api name="two"/>');
    expect(await readdir(join(root, 'synapse-configs/default/api'))).toEqual(['a.xml']);
  });

  it('names the file when it cannot write and cleans up', async () => {
    await writeTree(root, { 'blocked': 'a file where a folder should be' });
    await expect(writeFileWhole(join(root, 'blocked/a.xml'), Buffer.from('x'))).rejects.toThrow(/blocked/);
    expect(await readdir(root)).toEqual(['blocked']);
  });
});
