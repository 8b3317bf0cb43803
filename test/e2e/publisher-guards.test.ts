// The publisher's runtime guards as processes (built CLI, real Redis, real folders): the mass-deletion hold, the delete
// grace and the periodic rescan that finds changes whose inotify events the kernel dropped.
import { existsSync, closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../client/hub-client.js';
import { sha256Of } from '../../core/blob-codec.js';
import type { NodeStatus } from '../../core/hub-api.js';
import { runCli } from '../support/cli-process.js';
import { TestRedis } from '../support/redis-server.js';
import { writeTree } from '../support/temp-tree.js';
import { TestCluster, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const API = 'synapse-configs/default/api';
let redis: TestRedis;
let cluster: TestCluster;
let hubNode: HubNode;
let hub: HubClient;
let labelCounter = 0;
const agents: AgentNode[] = [];

const apiXml = (name: string, body = '<inSequence><respond/></inSequence>'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="http://ws.apache.org/ns/synapse" name="${name}" context="/${name}" version="1.0.0">\n`
  + `   <resource methods="GET" uri-template="/x">\n      ${body}\n   </resource>\n</api>\n`;
const planText = (name: string): string => `@Plan:name("${name}")\ndefine stream S (a int);\n`;

async function headsOf(label: string): Promise<Map<string, string>> {
  return new Map((await hub.snapshot(label)).artifacts.map((head) => [head.path, head.sha256]));
}

async function hubHolds(label: string, files: Record<string, string>): Promise<boolean> {
  const heads = await headsOf(label);
  return heads.size === Object.keys(files).length && Object.entries(files).every(([path, content]) => heads.get(path) === sha256Of(Buffer.from(content)));
}

/** True when the hub's heads include every one of `files` (a moved folder's new paths may be there too). */
async function hubHas(label: string, files: Record<string, string>): Promise<boolean> {
  const heads = await headsOf(label);
  return Object.entries(files).every(([path, content]) => heads.get(path) === sha256Of(Buffer.from(content)));
}

async function diskHolds(root: string, files: Record<string, string>): Promise<boolean> {
  for (const [path, content] of Object.entries(files)) {
    if ((await readFile(join(root, path), 'utf8').catch(() => undefined)) !== content) return false;
  }
  return true;
}

async function startPair(extra: string[] = []): Promise<{ label: string; publisher: AgentNode; gateway: AgentNode }> {
  labelCounter += 1;
  const label = `Guards ${labelCounter}`;
  const base = { hubUrl: hubNode.url, redisUrl: redis.url };
  const publisher = await cluster.startAgent({ ...base, nodeId: `guard-pub-${labelCounter}`, publishLabels: [label], extraArgs: extra });
  const gateway = await cluster.startAgent({ ...base, nodeId: `guard-gw-${labelCounter}`, gatewayLabels: [label] });
  agents.push(publisher, gateway);
  return { label, publisher, gateway };
}

async function nodeStatus(nodeId: string): Promise<NodeStatus | undefined> {
  return (await hub.nodes()).find((node) => node.node === nodeId);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  hubNode = await cluster.startHub(redis.url);
  hub = new HubClient({ hubUrl: hubNode.url, token: undefined, timeoutMs: 5000 });
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.daemon.kill();
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('runtime mass-deletion guard', () => {
  it('holds the deletes of `mv api api.old`, shows them in status, drops them on `mv` back and sends them on confirm', async () => {
    const pair = await startPair();
    const { label, gateway } = pair;
    const files: Record<string, string> = { 'executionplans/a.siddhiql': planText('a'), 'executionplans/b.siddhiql': planText('b') };
    for (let i = 0; i < 10; i += 1) files[`${API}/admin--Mv${i}_v1.0.0.xml`] = apiXml(`admin--Mv${i}`);
    await writeTree(pair.publisher.serverRoot, files);
    await waitFor(() => diskHolds(gateway.serverRoot, files), { message: 'every file on the gateway' });
    // A restart: the label's files are older than this run (deletes of files created within the window are not held).
    const publisher = await cluster.restartAgent(pair.publisher, { hubUrl: hubNode.url, redisUrl: redis.url, nodeId: pair.publisher.nodeId, publishLabels: [label] });
    agents.push(publisher);
    await publisher.daemon.waitForLog((line) => line.msg === 'startup sync done');
    const entriesBefore = (await hub.history(label, `${API}/admin--Mv0_v1.0.0.xml`)).length;

    await rename(join(publisher.serverRoot, API), join(publisher.serverRoot, `${API}.old`));
    const held = await publisher.daemon.waitForLog((line) => line.code === 'ARTISYNC_MASS_DELETE_REFUSED' && line.label === label);
    expect(held).toMatchObject({ count: 10, artifacts: 12 });
    expect(held.share).toBeCloseTo(10 / 12);
    await waitFor(async () => (await nodeStatus(publisher.nodeId))?.heldDeletes?.[0]?.count === 10, { message: 'held deletes in the heartbeat' });
    const status = await runCli(['status', '--hub', hubNode.url, '--lag-grace', '0', '--stale-after', '3600']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`${publisher.nodeId} holds 10 deletes of ${label}`);
    const list = await runCli(['deletes', 'list', '--admin', publisher.adminUrl]);
    expect(list.code).toBe(1);
    expect(list.stdout).toContain(`${API}/admin--Mv3_v1.0.0.xml`);
    expect(await hubHas(label, files)).toBe(true);
    expect(await diskHolds(gateway.serverRoot, files)).toBe(true);

    await rename(join(publisher.serverRoot, `${API}.old`), join(publisher.serverRoot, API));
    await publisher.daemon.waitForLog((line) => line.msg === 'held deletes dropped: every file came back' && line.label === label);
    await waitFor(async () => (await nodeStatus(publisher.nodeId))?.heldDeletes?.length === 0, { message: 'the hold gone from the heartbeat' });
    // Moving back deletes api.old's copies again: the gateway gets the grace to apply those commits.
    expect((await runCli(['status', '--hub', hubNode.url, '--lag-grace', '15000', '--stale-after', '3600'])).code).toBe(0);
    // api.old's copies were published and are deleted again: deletes of paths created within the window are not held.
    await waitFor(() => hubHolds(label, files), { message: 'the hub back to the original files' });
    expect(await hub.history(label, `${API}/admin--Mv0_v1.0.0.xml`)).toHaveLength(entriesBefore);

    await rename(join(publisher.serverRoot, API), join(publisher.serverRoot, `${API}.old`));
    await waitFor(async () => (await nodeStatus(publisher.nodeId))?.heldDeletes?.[0]?.count === 10, { message: 'held again after the second move' });
    // A restart is no confirmation: the hold survives it.
    await publisher.daemon.stop();
    const restarted = await cluster.restartAgent(publisher, { hubUrl: hubNode.url, redisUrl: redis.url, nodeId: publisher.nodeId, publishLabels: [label] });
    agents.push(restarted);
    await restarted.daemon.waitForLog((line) => line.msg === 'startup sync done');
    const restartedAt = Date.now();
    await waitFor(async () => {
      const seen = await nodeStatus(publisher.nodeId);
      return seen !== undefined && seen.lastSeen > restartedAt && seen.heldDeletes?.[0]?.count === 10;
    }, { message: 'held after a restart' });
    expect(await hubHas(label, files)).toBe(true);
    const confirm = await runCli(['deletes', 'confirm', label, '--admin', restarted.adminUrl]);
    expect(confirm.code, confirm.stderr).toBe(0);
    expect(confirm.stdout).toContain('released 10 held deletes');
    const remaining = { 'executionplans/a.siddhiql': planText('a'), 'executionplans/b.siddhiql': planText('b') };
    await waitFor(async () => (await hubHas(label, remaining)) && ![...(await headsOf(label)).keys()].some((path) => path.startsWith(`${API}/`)), { message: 'the confirmed deletes on the hub' });
    await waitFor(() => !existsSync(join(gateway.serverRoot, `${API}/admin--Mv0_v1.0.0.xml`)), { message: 'the confirmed deletes on the gateway' });
    expect((await runCli(['deletes', 'confirm', label, '--admin', restarted.adminUrl])).code).toBe(1);
  });
});

describe('delete grace', () => {
  it('sends `rm` then a write 50 ms later as one put, and the gateway file never goes missing', async () => {
    const { label, publisher, gateway } = await startPair(['--quiet-ms', '5']);
    const path = `${API}/admin--Grace_v1.0.0.xml`;
    const others = { [`${API}/admin--Other1_v1.0.0.xml`]: apiXml('admin--Other1'), [`${API}/admin--Other2_v1.0.0.xml`]: apiXml('admin--Other2') };
    await writeTree(publisher.serverRoot, { ...others, [path]: apiXml('admin--Grace') });
    await waitFor(() => diskHolds(gateway.serverRoot, { [path]: apiXml('admin--Grace') }), { message: 'the file on the gateway' });
    const onGateway = join(gateway.serverRoot, path);
    let missing = 0;
    const watch = setInterval(() => {
      if (!existsSync(onGateway)) missing += 1;
    }, 1);
    try {
      await rm(join(publisher.serverRoot, path));
      // The 50 ms gap is the scenario under test (a tool that deletes and re-creates), not a wait for the system.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const replaced = apiXml('admin--Grace', '<inSequence><drop/></inSequence>');
      await writeFile(join(publisher.serverRoot, path), replaced);
      await waitFor(() => diskHolds(gateway.serverRoot, { [path]: replaced }), { message: 'the new content on the gateway' });
    } finally {
      clearInterval(watch);
    }
    expect(missing).toBe(0);
    expect((await hub.history(label, path)).map((entry) => entry.op)).toEqual(['put', 'put']);
  });
});

describe('periodic rescan', () => {
  it('publishes every file whose event the kernel dropped in an inotify queue overflow', async () => {
    const { label, publisher } = await startPair(['--rescan-interval', '2000']);
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i += 1) files[`${API}/admin--Q${i}_v1.0.0.xml`] = apiXml(`admin--Q${i}`);
    await writeTree(publisher.serverRoot, files);
    await waitFor(() => hubHolds(label, files), { timeoutMs: 60_000, intervalMs: 250, message: 'the first versions on the hub' });
    const pid = publisher.daemon.pid;
    if (pid === undefined) throw new Error('publisher has no pid');
    process.kill(pid, 'SIGSTOP');
    try {
      overflowInotifyQueue(join(publisher.serverRoot, API));
      for (const path of Object.keys(files)) files[path] = apiXml(path.replace(/^.*\/|_v1\.0\.0\.xml$/g, ''), '<inSequence><drop/></inSequence>');
      await writeTree(publisher.serverRoot, files);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(() => hubHolds(label, files), { timeoutMs: 30_000, intervalMs: 250, message: 'every rewritten file on the hub' });
  });
});

/** Fills the stopped publisher's inotify queue past max_queued_events with events on ignored files, so later events drop. */
function overflowInotifyQueue(folder: string): void {
  const limit = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim());
  // Two files written in turn: inotify merges an event only into an identical one right before it in the queue.
  const fds = [openSync(join(folder, '.fill-a'), 'w'), openSync(join(folder, '.fill-b'), 'w')];
  try {
    for (let i = 0; i <= limit + 100; i += 1) writeSync(fds[i % 2] ?? 0, 'x');
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
