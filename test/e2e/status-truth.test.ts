// `artisync status` grounded in the hub: a gateway that cannot write its tree, or a frozen one, makes it exit 1 naming
// the node and the reason, and it exits 0 again once the gateway has caught up.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli-process.js';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readTrees, TestCluster, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const LABEL = 'Production and Sandbox';

/** True when this machine lets the test set the immutable flag (root on ext4/tmpfs). */
async function canSetImmutable(): Promise<boolean> {
  try {
    await run('chattr', ['+i', import.meta.dirname]);
    await run('chattr', ['-i', import.meta.dirname]);
    return true;
  } catch {
    return false;
  }
}

const immutableWorks = await canSetImmutable();

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;
let publisher: AgentNode;
let gateway: AgentNode;
const immutable: string[] = [];
const stopped: number[] = [];

function status(...flags: string[]): Promise<CliRun> {
  return runCli(['status', '--hub', hub.url, ...flags]);
}

/** Runs status until it exits with `code` and its stderr matches `stderr`; returns that run. */
async function statusUntil(code: number, stderr: RegExp, timeoutMs: number, ...flags: string[]): Promise<CliRun> {
  let last: CliRun | undefined;
  try {
    return await waitFor(async () => {
      last = await status(...flags);
      return last.code === code && stderr.test(last.stderr) ? last : undefined;
    }, { timeoutMs, intervalMs: 200, message: `status to exit ${code} with stderr ${String(stderr)}` });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last run: exit ${String(last?.code)}, stdout ${last?.stdout ?? ''} stderr ${last?.stderr ?? ''}`);
  }
}

async function onGateway(path: string): Promise<string | undefined> {
  return (await readTrees(gateway.serverRoot)).get(path);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  hub = await cluster.startHub(redis.url);
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL] });
});

afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  for (const folder of immutable) await run('chattr', ['-i', folder]).catch(() => undefined);
  await cluster.stop();
  await redis.destroy();
});

describe('status tells a stuck gateway', () => {
  it.skipIf(!immutableWorks)('exits 1 naming the node and the failing apply while api/ is immutable, 0 once it is writable', async () => {
    const path = apiPath('Immutable');
    await writeArtifact(publisher.serverRoot, path, apiXml('Immutable', 'v1'));
    await waitFor(async () => (await onGateway(path)) === apiXml('Immutable', 'v1'), { message: 'v1 on the gateway' });
    await statusUntil(0, /^$/, 20_000);

    const folder = join(gateway.serverRoot, 'synapse-configs/default/api');
    await run('chattr', ['+i', folder]);
    immutable.push(folder);
    await writeArtifact(publisher.serverRoot, path, apiXml('Immutable', 'v2'));
    const failing = await statusUntil(1, /gw-1 .*failing.*(EPERM|not permitted)/, 30_000, '--lag-grace', '1000');
    expect(failing.stderr).toContain(LABEL);
    expect(failing.stdout).toMatch(/^gw-1\s.*failing/m);
    expect(await onGateway(path)).toBe(apiXml('Immutable', 'v1'));

    await run('chattr', ['-i', folder]);
    immutable.splice(immutable.indexOf(folder), 1);
    await statusUntil(0, /^$/, 60_000);
    expect(await onGateway(path)).toBe(apiXml('Immutable', 'v2'));
  });

  it('exits 1 naming a SIGSTOPped gateway as frozen, 0 once it runs again', async () => {
    const pid = gateway.daemon.pid as number;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const path = apiPath('WhileFrozen');
    await writeArtifact(publisher.serverRoot, path, apiXml('WhileFrozen', 'v1'));
    const frozen = await statusUntil(1, /gw-1 .*frozen/, 20_000);
    expect(frozen.stdout).toMatch(/^gw-1\s.*frozen/m);

    process.kill(pid, 'SIGCONT');
    stopped.splice(stopped.indexOf(pid), 1);
    await statusUntil(0, /^$/, 30_000);
    expect(await onGateway(path)).toBe(apiXml('WhileFrozen', 'v1'));
  });
});
