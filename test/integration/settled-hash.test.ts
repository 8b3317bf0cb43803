// The look right before a rename: a file edited, replaced or deleted while it was being read is seen as it is now.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Of } from '../../core/blob-codec.js';
import { hashFile, hashSettled } from '../../agent/gateway/disk-scan.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'artisync-settled-'));
  await writeFile(join(root, 'a.xml'), '<api v="1"/>');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A hash that reads the file, then lets `edit` happen before it answers, as a slow read on a loaded node would. */
function readThen(edit: () => Promise<void>): { hash: typeof hashFile; reads: () => number } {
  let reads = 0;
  const hash: typeof hashFile = async (serverRoot, path) => {
    reads += 1;
    const sha = await hashFile(serverRoot, path);
    if (reads === 1) await edit();
    return sha;
  };
  return { hash, reads: () => reads };
}

describe('hashSettled', () => {
  const file = (): string => join(root, 'a.xml');
  const look = (hash: typeof hashFile) => hashSettled(root, 'a.xml', hash);

  it('answers with the content of an in-place edit saved during the read, not the content read', async () => {
    const { hash, reads } = readThen(() => writeFile(file(), '<api edited="by hand, longer"/>'));
    expect(await look(hash)).toEqual({ sha256: sha256Of(Buffer.from('<api edited="by hand, longer"/>')), settled: true });
    expect(reads()).toBe(2);
  });

  it('sees a same-size edit, a replacement by rename and a delete made during the read', async () => {
    const sameSize = readThen(() => writeFile(file(), '<api v="2"/>'));
    expect((await look(sameSize.hash)).sha256).toBe(sha256Of(Buffer.from('<api v="2"/>')));
    const replaced = readThen(async () => {
      await writeFile(join(root, 'a.xml.tmp'), '<api v="3"/>');
      await rename(join(root, 'a.xml.tmp'), file());
    });
    expect((await look(replaced.hash)).sha256).toBe(sha256Of(Buffer.from('<api v="3"/>')));
    const deleted = readThen(() => rm(file()));
    expect(await look(deleted.hash)).toEqual({ sha256: null, settled: true });
  });

  it('says unsettled when the file changes during every read', async () => {
    let n = 0;
    const hash: typeof hashFile = async (serverRoot, path) => {
      const sha = await hashFile(serverRoot, path);
      n += 1;
      await writeFile(file(), `<api v="${n}0"/>`);
      return sha;
    };
    expect((await look(hash)).settled).toBe(false);
  });

  it('reads once when nothing changes, and not at all when the file is absent', async () => {
    const still = readThen(() => Promise.resolve());
    expect(await look(still.hash)).toEqual({ sha256: sha256Of(Buffer.from('<api v="1"/>')), settled: true });
    expect(still.reads()).toBe(1);
    await rm(file());
    const absent = readThen(() => Promise.resolve());
    expect(await look(absent.hash)).toEqual({ sha256: null, settled: true });
    expect(absent.reads()).toBe(0);
  });
});
