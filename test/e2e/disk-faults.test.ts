// Disk faults on a gateway: a target folder it may not write (chattr +i, which binds root too) and a full disk (a small
// tmpfs). Each gives a clear logged error and retries; the old file stays whole, no temp file is left, and the gateway
// catches up once the fault is fixed.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, apiXml, endpointPath, endpointXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const LABEL = 'Production and Sandbox';
const TMPFS_BYTES = 512 * 1024;

/** True when this machine lets the test mount a tmpfs and set the immutable flag (root with CAP_SYS_ADMIN on ext4/tmpfs). */
async function canManipulateDisks(): Promise<boolean> {
  const probe = await makeTempDir('artisync-mount-probe-');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    await run('umount', [probe]);
    await run('chattr', ['+i', probe]);
    await run('chattr', ['-i', probe]);
    return true;
  } catch {
    return false;
  } finally {
    await run('chattr', ['-i', probe]).catch(() => undefined);
    await removeTempDir(probe);
  }
}

const diskControl = await canManipulateDisks();

let redis: TestRedis;
let cluster: TestCluster;
let publisher: AgentNode;
let gateway: AgentNode;
let gatewayRoot: string;
const mounted: string[] = [];
const immutable: string[] = [];

/** Gateway sync failures logged so far whose error mentions `code`. */
function failures(code: string): number {
  return gateway.daemon.logsWithMsg('gateway sync failed, retrying').filter((line) => JSON.stringify(line.err ?? '').includes(code)).length;
}

async function tempFilesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.startsWith('.artisync-'));
}

async function gatewayFile(path: string): Promise<string | undefined> {
  return (await readTrees(gateway.serverRoot)).get(path);
}

beforeAll(async () => {
  if (!diskControl) return;
  redis = await TestRedis.start();
  cluster = new TestCluster();
  const hub = await cluster.startHub(redis.url);
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] });
  gatewayRoot = await cluster.tempDir('artisync-gw-disk-');
  const apiFolder = join(gatewayRoot, 'synapse-configs/default/api');
  await mkdir(apiFolder, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', apiFolder]);
  mounted.push(apiFolder);
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL], serverRoot: gatewayRoot });
});

afterAll(async () => {
  if (!diskControl) return;
  await cluster.stopProcesses();
  for (const folder of immutable) await run('chattr', ['-i', folder]).catch(() => undefined);
  for (const folder of mounted) await run('umount', [folder]);
  await cluster.stop();
  await redis.destroy();
});

describe.skipIf(!diskControl)('disk faults (need root: mount -t tmpfs and chattr +i)', () => {
  it('retries a folder it may not write, keeps the old file whole, and catches up once it is writable', async () => {
    const path = endpointPath('Backend');
    const folder = join(gatewayRoot, 'synapse-configs/default/endpoints');
    await writeArtifact(publisher.serverRoot, path, endpointXml('Backend', 'v1'));
    await waitFor(async () => (await gatewayFile(path)) === endpointXml('Backend', 'v1'), { message: 'v1 on the gateway' });

    await run('chattr', ['+i', folder]);
    immutable.push(folder);
    await writeArtifact(publisher.serverRoot, path, endpointXml('Backend', 'v2'));
    await writeArtifact(publisher.serverRoot, endpointPath('Added'), endpointXml('Added', 'v1'));
    await waitFor(() => failures('EPERM') >= 2, { timeoutMs: 30_000, message: 'two logged EPERM failures (a retry)' });
    expect(await gatewayFile(path)).toBe(endpointXml('Backend', 'v1'));
    expect(await gatewayFile(endpointPath('Added'))).toBeUndefined();
    expect(await tempFilesIn(folder)).toEqual([]);

    await run('chattr', ['-i', folder]);
    await waitFor(async () => (await gatewayFile(path)) === endpointXml('Backend', 'v2') && (await gatewayFile(endpointPath('Added'))) === endpointXml('Added', 'v1'), {
      timeoutMs: 60_000, message: 'the gateway to catch up after the folder is writable again',
    });
    expect(await tempFilesIn(folder)).toEqual([]);
  });

  it('retries on a full disk, leaves no partial or temp file, and catches up once space is freed', async () => {
    const path = apiPath('Big');
    const folder = join(gatewayRoot, 'synapse-configs/default/api');
    await writeArtifact(publisher.serverRoot, path, apiXml('Big', 'small'));
    await waitFor(async () => (await gatewayFile(path)) === apiXml('Big', 'small'), { message: 'small version on the gateway' });

    const free = await statfs(folder);
    const filler = join(folder, '.filler');
    await writeFile(filler, Buffer.alloc(Math.max(0, Number(free.bavail) * Number(free.bsize) - 16 * 1024)));
    const big = apiXml('Big', 'x'.repeat(128 * 1024));
    await writeArtifact(publisher.serverRoot, path, big);
    await waitFor(() => failures('ENOSPC') >= 2, { timeoutMs: 30_000, message: 'two logged ENOSPC failures (a retry)' });
    expect(await gatewayFile(path)).toBe(apiXml('Big', 'small'));
    expect(await tempFilesIn(folder)).toEqual([]);

    await rm(filler);
    await waitFor(async () => (await gatewayFile(path)) === big, { timeoutMs: 60_000, message: 'the big version once space is freed' });
    expect(await tempFilesIn(folder)).toEqual([]);
  });
});
