// The drift check's view of the disk: hashes match a full scan, and only files whose stat moved are read again.
import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskFingerprints } from '../../agent/gateway/disk-fingerprints.js';
import { scanDisk } from '../../agent/gateway/disk-scan.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';

const API = 'synapse-configs/default/api/a.xml';
const PLAN = 'executionplans/p.siddhiql';
let root: string;
let prints: DiskFingerprints;

beforeEach(async () => {
  root = await makeTempDir('artisync-prints-');
  await mkdir(join(root, 'synapse-configs/default/api'), { recursive: true });
  await mkdir(join(root, 'executionplans'), { recursive: true });
  await writeFile(join(root, API), '<api v="1"/>');
  await writeFile(join(root, PLAN), '@Plan:name("p")');
  await writeFile(join(root, 'synapse-configs/default/api/.hidden.xml'), 'ignored');
  prints = new DiskFingerprints();
});

afterEach(async () => {
  await removeTempDir(root);
});

describe('DiskFingerprints', () => {
  it('gives the same manifest as a full scan, and reads nothing again while nothing moved', async () => {
    expect(await prints.manifest(root)).toEqual(await scanDisk(root));
    expect(prints.hashedLastScan).toBe(2);
    await prints.manifest(root);
    expect(prints.hashedLastScan).toBe(0);
  });

  it('gives every overlapping scan (a drift check and a verify at once) the whole disk', async () => {
    for (let i = 0; i < 30; i += 1) await writeFile(join(root, `synapse-configs/default/api/x${i}.xml`), `<api i="${i}"/>`);
    const full = await scanDisk(root);
    await prints.manifest(root);
    const overlapping = await Promise.all([prints.manifest(root), prints.manifest(root), prints.manifest(root)]);
    for (const manifest of overlapping) expect(manifest).toEqual(full);
  });

  it('hashes again a same-size rewrite whose mtime was put back (cp -p), and forgets removed files', async () => {
    await prints.manifest(root);
    const before = await stat(join(root, API));
    await writeFile(join(root, API), '<api v="2"/>');
    await utimes(join(root, API), before.atime, before.mtime);
    await rm(join(root, PLAN));
    const manifest = await prints.manifest(root);
    expect(prints.hashedLastScan).toBe(1);
    expect(manifest).toEqual(await scanDisk(root));
    expect([...manifest.keys()]).toEqual([API]);
  });
});
