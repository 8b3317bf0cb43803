// The built hub and a publisher agent as processes, real redis-server and folders: what a publishing node guarantees.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../client/hub-client.js';
import { sha256Of } from '../../core/blob-codec.js';
import { redisKeys } from '../../core/redis-keys.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir, writeTree } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';
import { CLI_PATH, CliDaemon, type LogLine } from '../support/cli-daemon.js';

const API = 'synapse-configs/default/api';
let redis: TestRedis;
let hubPort: number;
let hub: CliDaemon;
let client: HubClient;
const children: CliDaemon[] = [];
const dirs: string[] = [];
let labelCounter = 0;

const apiXml = (name: string, body = '<inSequence><respond/></inSequence>'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="http://ws.apache.org/ns/synapse" name="${name}" context="/${name}" version="1.0.0">\n`
  + `   <resource methods="GET" uri-template="/x">\n      ${body}\n   </resource>\n</api>\n`;

/** Log lines whose message is `msg`, or matches it. */
const withMsg = (msg: string | RegExp) => (line: LogLine): boolean => (typeof msg === 'string' ? line.msg === msg : msg.test(line.msg ?? ''));

async function startHub(): Promise<CliDaemon> {
  const process = CliDaemon.start(['hub', '--insecure', '--listen', `127.0.0.1:${hubPort}`, '--redis-url', redis.url], { name: 'hub' });
  children.push(process);
  await waitFor(async () => {
    if (!process.alive) throw new Error(`hub exited:\n${process.stderr.slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${hubPort}/healthz`)).ok;
  }, { message: 'hub /healthz' });
  return process;
}

interface Node {
  label: string;
  root: string;
  state: string;
}

async function newNode(): Promise<Node> {
  const root = await makeTempDir('artisync-e2e-root-');
  const state = await makeTempDir('artisync-e2e-state-');
  dirs.push(root, state);
  await mkdir(join(root, API), { recursive: true });
  await mkdir(join(root, 'executionplans'), { recursive: true });
  labelCounter += 1;
  return { label: `Label ${labelCounter}`, root, state };
}

async function startAgent(node: Node, extra: string[] = []): Promise<CliDaemon> {
  const agent = CliDaemon.start([
    'agent', '--publisher-enabled', '--labels', node.label, '--server-root', node.root, '--state-dir', node.state,
    '--hub-url', `http://127.0.0.1:${hubPort}`, '--admin-listen', '127.0.0.1:0', '--node-id', 'pub-e2e', ...extra,
  ], { name: 'pub-e2e' });
  children.push(agent);
  await agent.waitForLog(withMsg('agent started'));
  return agent;
}

async function heads(label: string): Promise<Map<string, string>> {
  const snapshot = await client.snapshot(label);
  return new Map(snapshot.artifacts.map((head) => [head.path, head.sha256]));
}

async function hubMatches(label: string, files: Record<string, string>): Promise<boolean> {
  const current = await heads(label);
  if (current.size !== Object.keys(files).length) return false;
  return Object.entries(files).every(([path, content]) => current.get(path) === sha256Of(Buffer.from(content)));
}

beforeAll(async () => {
  expect(existsSync(CLI_PATH)).toBe(true);
  redis = await TestRedis.start();
  hubPort = await findFreePort();
  hub = await startHub();
  client = new HubClient({ hubUrl: `http://127.0.0.1:${hubPort}`, token: undefined, timeoutMs: 5000 });
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child !== hub) await child.kill();
  children.push(hub);
});

afterAll(async () => {
  for (const child of children.splice(0)) await child.kill();
  await redis.destroy();
  for (const dir of dirs) await removeTempDir(dir);
});

describe('publisher agent', () => {
  it('publishes an editor-style save (write temp, rename over) and never the temp file', async () => {
    const node = await newNode();
    await startAgent(node);
    const path = `${API}/admin--Pizza_v1.0.0.xml`;
    await writeFile(join(node.root, path), apiXml('admin--Pizza'));
    await waitFor(() => hubMatches(node.label, { [path]: apiXml('admin--Pizza') }));
    const temp = join(node.root, API, '.admin--Pizza_v1.0.0.xml.swp');
    await writeFile(temp, apiXml('admin--Pizza', '<inSequence><drop/></inSequence>'));
    await rename(temp, join(node.root, path));
    await waitFor(() => hubMatches(node.label, { [path]: apiXml('admin--Pizza', '<inSequence><drop/></inSequence>') }));
    expect((await client.history(node.label, path)).map((entry) => entry.version)).toEqual([2, 1]);
  });

  it('stores only the complete version of a file written in slow chunks', async () => {
    const node = await newNode();
    const agent = await startAgent(node, ['--log-level', 'debug']);
    const path = `${API}/admin--Slow_v1.0.0.xml`;
    const content = apiXml('admin--Slow');
    const handle = await open(join(node.root, path), 'w');
    const third = Math.floor(content.length / 3);
    // The writer pauses after each partial chunk until the publisher has read that very partial file and held it back.
    for (const end of [third, 2 * third]) {
      await handle.write(content.slice(end === third ? 0 : third, end));
      await handle.sync();
      const partial = sha256Of(Buffer.from(content.slice(0, end)));
      await agent.waitForLog((line) => line.msg === 'incomplete file: waiting for the rest' && line.path === path && line.sha256 === partial);
    }
    await handle.write(content.slice(2 * third));
    await handle.close();
    await waitFor(() => hubMatches(node.label, { [path]: content }));
    const history = await client.history(node.label, path);
    expect(history).toHaveLength(1);
    expect(history[0]?.sha256).toBe(sha256Of(Buffer.from(content)));
  });

  it('brings 2,000 files copied in at once, in far fewer changesets than files', async () => {
    const node = await newNode();
    await startAgent(node);
    const staging = await makeTempDir('artisync-e2e-staging-');
    dirs.push(staging);
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i += 1) files[`${API}/admin--Bulk${i}_v1.0.0.xml`] = apiXml(`admin--Bulk${i}`);
    await writeTree(staging, files);
    await new Promise<void>((resolve, reject) => {
      const cp = spawn('cp', ['-r', join(staging, 'synapse-configs'), node.root]);
      cp.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cp exited ${code}`))));
    });
    await waitFor(() => hubMatches(node.label, files), { timeoutMs: 120_000, intervalMs: 500, message: '2,000 files on the hub' });
    const redisClient = redis.client();
    const changesets = await redisClient.xlen(redisKeys.stream(node.label));
    redisClient.disconnect();
    expect(changesets).toBeLessThan(200);
  });

  it('catches up on what changed while it was killed', async () => {
    const node = await newNode();
    const first = await startAgent(node);
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1) files[`${API}/admin--K${i}_v1.0.0.xml`] = apiXml(`admin--K${i}`);
    await writeTree(node.root, files);
    await waitFor(() => hubMatches(node.label, files));
    await writeFile(join(node.root, `${API}/admin--K0_v1.0.0.xml`), apiXml('admin--K0', '<inSequence><log/></inSequence>'));
    await first.kill();
    files[`${API}/admin--K0_v1.0.0.xml`] = apiXml('admin--K0', '<inSequence><log/></inSequence>');
    files[`${API}/admin--K1_v1.0.0.xml`] = apiXml('admin--K1', '<inSequence><drop/></inSequence>');
    files[`${API}/admin--New_v1.0.0.xml`] = apiXml('admin--New');
    await writeTree(node.root, files);
    await rm(join(node.root, `${API}/admin--K2_v1.0.0.xml`));
    delete files[`${API}/admin--K2_v1.0.0.xml`];
    await startAgent(node);
    await waitFor(() => hubMatches(node.label, files), { message: 'hub equals the disk after restart' });
  });

  it('keeps working while the hub is down and sends everything once it is back', async () => {
    const node = await newNode();
    const agent = await startAgent(node);
    await agent.waitForLog(withMsg('startup sync done'));
    await hub.stop();
    const files = { [`${API}/admin--Down1_v1.0.0.xml`]: apiXml('admin--Down1'), 'executionplans/down.siddhiql': '@Plan:name("down")\ndefine stream S (a int);\n' };
    await writeTree(node.root, files);
    await agent.waitForLog(withMsg('hub unreachable; changes kept pending'));
    expect(agent.alive).toBe(true);
    hub = await startHub();
    await waitFor(() => hubMatches(node.label, files), { timeoutMs: 60_000, message: 'pending changes sent after the outage' });
  });

  it('refuses a startup sync that would delete most of a label, pushes its puts, and obeys --mass-delete-guard 1', async () => {
    const node = await newNode();
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1) files[`${API}/admin--G${i}_v1.0.0.xml`] = apiXml(`admin--G${i}`);
    await writeTree(node.root, files);
    const first = await startAgent(node);
    await waitFor(() => hubMatches(node.label, files));
    await first.stop();
    for (let i = 0; i < 8; i += 1) await rm(join(node.root, `${API}/admin--G${i}_v1.0.0.xml`));
    await writeFile(join(node.root, `${API}/admin--G9_v1.0.0.xml`), apiXml('admin--G9', '<inSequence><drop/></inSequence>'));
    const guarded = await startAgent(node);
    await guarded.waitForLog(withMsg(/mass_delete_guard/));
    await waitFor(async () => (await heads(node.label)).get(`${API}/admin--G9_v1.0.0.xml`) === sha256Of(Buffer.from(apiXml('admin--G9', '<inSequence><drop/></inSequence>'))));
    expect((await heads(node.label)).size).toBe(10);
    expect(guarded.logs.find(withMsg(/mass_delete_guard/))).toMatchObject({ code: 'ARTISYNC_MASS_DELETE_REFUSED', deletes: 8, artifacts: 10 });
    await guarded.stop();
    await startAgent(node, ['--mass-delete-guard', '1']);
    await waitFor(async () => (await heads(node.label)).size === 2, { message: 'deletes sent with --mass-delete-guard 1' });
  });
});
