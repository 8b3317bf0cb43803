// staysInsideRoot: a folder that is (or lies below) a symlink out of the server root is refused; new folders are fine.
import { mkdir, symlink } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staysInsideRoot } from '../../agent/gateway/tree-confinement.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';

let dir: string;
let root: string;

beforeEach(async () => {
  dir = await makeTempDir();
  root = join(dir, 'server');
  await mkdir(join(root, 'synapse-configs/default/api'), { recursive: true });
  await mkdir(join(dir, 'outside'), { recursive: true });
});
afterEach(async () => removeTempDir(dir));

describe('staysInsideRoot', () => {
  it('accepts existing folders and folders that do not exist yet', async () => {
    expect(await staysInsideRoot(fs, root, 'synapse-configs/default/api/a.xml')).toBe(true);
    expect(await staysInsideRoot(fs, root, 'synapse-configs/default/templates/new/t.xml')).toBe(true);
  });

  it('refuses a folder that is a symlink out of the root, and anything below it', async () => {
    await symlink(join(dir, 'outside'), join(root, 'synapse-configs/default/sequences'));
    expect(await staysInsideRoot(fs, root, 'synapse-configs/default/sequences/s.xml')).toBe(false);
    expect(await staysInsideRoot(fs, root, 'synapse-configs/default/sequences/deeper/s.xml')).toBe(false);
  });

  it('accepts a symlinked folder that stays inside the root', async () => {
    await symlink(join(root, 'synapse-configs/default/api'), join(root, 'synapse-configs/default/endpoints'));
    expect(await staysInsideRoot(fs, root, 'synapse-configs/default/endpoints/e.xml')).toBe(true);
  });
});

describe('staysInsideRoot before the server root exists', () => {
  it('accepts paths under a server root that is still to be created', async () => {
    expect(await staysInsideRoot(fs, join(dir, 'not-yet'), 'synapse-configs/default/api/a.xml')).toBe(true);
  });
});
