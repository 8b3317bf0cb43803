// The gateway's own-file fingerprints: a file renamed into place matches until anything rewrites or replaces it.
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnFiles } from '../../agent/gateway/own-files.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';

const PATH = 'synapse-configs/default/api/a.xml';
let dir: string;
let target: string;
let own: OwnFiles;

beforeEach(async () => {
  dir = await makeTempDir('artisync-own-');
  target = join(dir, 'a.xml');
  own = new OwnFiles();
  const temp = join(dir, '.artisync-1.tmp');
  await writeFile(temp, '<api v="1"/>');
  own.noteTemp(PATH, temp);
  await rename(temp, target);
});

afterEach(async () => {
  await removeTempDir(dir);
});

describe('OwnFiles', () => {
  it('recognises the file it renamed into place', () => {
    expect(own.unchanged(PATH, target)).toBe(true);
  });

  it('does not recognise a file rewritten in place', async () => {
    await writeFile(target, '<api v="22"/>');
    expect(own.unchanged(PATH, target)).toBe(false);
  });

  it('does not recognise a same-size rewrite once its mtime moved', async () => {
    await writeFile(target, '<api v="2"/>');
    await utimes(target, new Date(), new Date(Date.now() + 5_000));
    expect(own.unchanged(PATH, target)).toBe(false);
  });

  it('does not recognise a file replaced by another one, a removed file or a path it never wrote', async () => {
    const other = join(dir, 'b.xml');
    await writeFile(other, '<api v="1"/>');
    await rename(other, target);
    expect(own.unchanged(PATH, target)).toBe(false);
    await rm(target);
    expect(own.unchanged(PATH, target)).toBe(false);
    expect(own.unchanged('synapse-configs/default/api/never.xml', target)).toBe(false);
  });
});
