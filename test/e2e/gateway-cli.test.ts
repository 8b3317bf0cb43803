// The built CLI as processes: a hub, a publisher, gateways and node-local commands, with real Redis and real folders.
// Bursts and planted conflicts go through a HubClient, so their changeset count does not depend on the publisher's batching.
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../client/hub-client.js';
import { HubLayoutSeeder } from '../integration/hub-layout-seeder.js';
import { redisKeys } from '../../core/redis-keys.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const REPO = join(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const FIXTURES = join(REPO, 'fixtures');
const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/dev--kart_v1.0.0.xml';
const EP_PROD = 'synapse-configs/default/endpoints/kart--v1.0.0_APIproductionEndpoint.xml';
const EP_SANDBOX = 'synapse-configs/default/endpoints/kart--v1.0.0_APIsandboxEndpoint.xml';

interface Agent {
  node: string;
  root: string;
  state: string;
  admin: string;
  child: ResultPromise;
  output: () => string;
}

let redis: TestRedis;
let dir: string;
let hubUrl: string;
let hub: HubClient;
let hubChild: ResultPromise;
const agents = new Map<string, Agent>();

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && !entry.name.startsWith('.')).map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
}

async function fixtureFiles(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const path of await listFiles(FIXTURES)) if (path !== 'README.md') files.set(path, await readFile(join(FIXTURES, path)));
  return files;
}

const GATEWAY = ['--gateway-enabled', '--gateway-labels', LABEL];
const PUBLISHER = ['--publisher-enabled', '--labels', LABEL];

function spawnAgent(node: string, admin: string, extra: string[] = [], roles: string[] = GATEWAY): Agent {
  const root = join(dir, node, 'server');
  const state = join(dir, node, 'state');
  const args = [
    CLI, 'agent', '--node-id', node, '--server-root', root, '--state-dir', state, '--redis-url', redis.url, '--hub-url', hubUrl,
    '--admin-listen', admin.replace('http://', ''), ...roles, '--heartbeat-interval', '300',
    '--event-waiting-time', '0', '--deployment-retry-duration', '200', ...extra,
  ];
  const child = execa('node', args, { cwd: REPO, reject: false, all: true, env: { ARTISYNC_LOG_LEVEL: 'info' } });
  let output = '';
  child.all?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const agent = { node, root, state, admin, child, output: () => output };
  agents.set(node, agent);
  return agent;
}

async function startAgent(node: string, admin?: string, roles: string[] = GATEWAY): Promise<Agent> {
  const agent = spawnAgent(node, admin ?? `http://127.0.0.1:${await findFreePort()}`, [], roles);
  await waitFor(async () => (await fetch(`${agent.admin}/readyz`)).status === 200, { message: `${node} ready`, timeoutMs: 30_000 });
  return agent;
}

async function stopAgent(agent: Agent, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | undefined> {
  agent.child.kill(signal);
  const result = await agent.child;
  return result.exitCode;
}

async function treeOf(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const path of await listFiles(root)) files.set(path, await readFile(join(root, path)));
  return files;
}

async function hubTree(): Promise<Map<string, Buffer>> {
  const snapshot = await hub.snapshot(LABEL);
  const files = new Map<string, Buffer>();
  for (const head of snapshot.artifacts) files.set(head.path, await hub.blob(head.sha256));
  return files;
}

function sameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, bytes] of a) if (!b.get(path)?.equals(bytes)) return false;
  return true;
}

async function expectIdentical(root: string, want: () => Promise<Map<string, Buffer>>): Promise<void> {
  await waitFor(async () => sameTree(await treeOf(root), await want()), { timeoutMs: 30_000, message: `${root} identical` }).catch(async (err: unknown) => {
    const have = await treeOf(root);
    const wanted = await want();
    const differing = [...new Set([...have.keys(), ...wanted.keys()])].filter((path) => !have.get(path)?.equals(wanted.get(path) ?? Buffer.alloc(0)) || !wanted.has(path));
    throw new Error(`${(err as Error).message}; differing: ${differing.join(', ')}`);
  });
}

/** Reads every endpoint file in a loop; each read must be a complete artifact (closing tag and revision comment). */
function pollWholeFiles(folder: string): { stop: () => Promise<{ reads: number; problems: string[] }> } {
  const problems: string[] = [];
  let reads = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        if (name.startsWith('.artisync-') && (name.endsWith('.xml') || name.endsWith('.siddhiql'))) problems.push(`deployable temp ${name}`);
        if (name.startsWith('.')) continue;
        const text = await readFile(join(folder, name), 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        reads += 1;
        if (!text.trimEnd().endsWith('-->') && !text.trimEnd().endsWith('</endpoint>')) problems.push(`partial ${name} (${text.length} chars)`);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { reads, problems };
    },
  };
}

function revised(bytes: Buffer, revision: number): Buffer {
  return Buffer.concat([bytes, Buffer.from(`\n<!-- revision ${revision} -->\n`)]);
}

async function cli(...args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const result = await execa('node', [CLI, ...args], { cwd: REPO, reject: false });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  redis = await TestRedis.start();
  dir = await makeTempDir('artisync-gw-e2e-');
  const port = await findFreePort();
  hubUrl = `http://127.0.0.1:${port}`;
  hubChild = execa('node', [CLI, 'hub', '--redis-url', redis.url, '--insecure', '--listen', `127.0.0.1:${port}`], { cwd: REPO, reject: false });
  await waitFor(async () => (await fetch(`${hubUrl}/readyz`).catch(() => undefined))?.status === 200, { message: 'hub ready' });
  hub = new HubClient({ hubUrl, token: undefined, node: 'pub-e2e' });
  await cp(FIXTURES, join(dir, 'pub-1', 'server'), { recursive: true, filter: (source) => !source.endsWith('README.md') });
  await startAgent('pub-1', undefined, PUBLISHER);
  await startAgent('gw-1');
  await startAgent('gw-2');
  await startAgent('pg-1', undefined, [...PUBLISHER, ...GATEWAY]);
});

afterAll(async () => {
  for (const agent of agents.values()) if (agent.child.exitCode === null || agent.child.exitCode === undefined) await stopAgent(agent, 'SIGKILL');
  hubChild.kill('SIGTERM');
  await hubChild;
  await redis.destroy();
  await removeTempDir(dir);
});

function agent(node: string): Agent {
  return agents.get(node) as Agent;
}

describe('two gateways behind one hub', () => {
  it('land the real fixtures from the publisher byte-identical and report themselves to the hub', async () => {
    const fixtures = await fixtureFiles();
    await expectIdentical(agent('gw-1').root, () => Promise.resolve(fixtures));
    await expectIdentical(agent('gw-2').root, () => Promise.resolve(fixtures));
    await expectIdentical(agent('pg-1').root, () => Promise.resolve(fixtures));
    await waitFor(async () => {
      const nodes = await hub.nodes();
      return ['gw-1', 'gw-2'].every((node) => nodes.some((status) => status.node === node && status.gatewayLabels[LABEL] !== undefined && status.ready));
    }, { message: 'heartbeats of both gateways' });
  });

  it('follow the publisher\'s updates and deletes, and a publishing gateway never pushes back what it wrote', async () => {
    const fixtures = await fixtureFiles();
    const publisherRoot = agent('pub-1').root;
    await writeFile(join(publisherRoot, API), revised(fixtures.get(API) as Buffer, 2));
    await rm(join(publisherRoot, 'synapse-configs/default/api/admin--kkkr.xml'));
    await waitFor(async () => (await hubTree()).get(API)?.toString().includes('revision 2') === true, { message: 'publisher pushed the edit' });
    await expectIdentical(agent('gw-1').root, hubTree);
    await expectIdentical(agent('gw-2').root, hubTree);
    await expectIdentical(agent('pg-1').root, hubTree);
    expect(await readFile(join(agent('gw-1').root, API), 'utf8')).toContain('revision 2');
    const histories = await Promise.all([API, EP_PROD, 'synapse-configs/default/sequences/main.xml'].map((path) => hub.history(LABEL, path)));
    expect(histories.map((history) => history.map((entry) => entry.node))).toEqual([['pub-1', 'pub-1'], ['pub-1'], ['pub-1']]);
  });

  it('survive a SIGKILL mid-burst: the restarted gateway ends identical to the hub', async () => {
    const fixtures = await fixtureFiles();
    const gw2 = agent('gw-2');
    const base = fixtures.get(EP_PROD) as Buffer;
    const reader = pollWholeFiles(join(agent('gw-1').root, 'synapse-configs/default/endpoints'));
    for (let revision = 1; revision <= 1_000; revision += 1) {
      await hub.pushChangeset(LABEL, { changes: [{ op: 'put', path: revision % 2 === 0 ? EP_PROD : EP_SANDBOX, content: revised(base, revision) }] });
      if (revision === 300) await stopAgent(gw2, 'SIGKILL');
    }
    await startAgent('gw-2', gw2.admin);
    await expectIdentical(agent('gw-2').root, hubTree);
    await expectIdentical(agent('gw-1').root, hubTree);
    const seen = await reader.stop();
    expect(seen.reads).toBeGreaterThan(0);
    expect(seen.problems).toEqual([]);
    const metrics = await (await fetch(`${agent('gw-1').admin}/metrics`)).text();
    expect(metrics).toMatch(/artisync_propagation_lag_seconds_count [1-9]/);
  });

  it('recover a gateway that was down while the stream was trimmed past its position', async () => {
    const gw2 = agent('gw-2');
    expect(await stopAgent(gw2, 'SIGTERM')).toBe(0);
    const fixtures = await fixtureFiles();
    for (let revision = 1; revision <= 5; revision += 1) {
      await hub.pushChangeset(LABEL, { changes: [{ op: 'put', path: API, content: revised(fixtures.get(API) as Buffer, 100 + revision) }] });
    }
    await hub.pushChangeset(LABEL, { changes: [{ op: 'delete', path: 'synapse-configs/default/sequences/debug_json_fault.xml' }] });
    const client = redis.client();
    try {
      await client.xtrim(redisKeys.stream(LABEL), 'MAXLEN', 1);
    } finally {
      client.disconnect();
    }
    await startAgent('gw-2', gw2.admin);
    await expectIdentical(agent('gw-2').root, hubTree);
  });

  it('re-apply after `replay` and stay identical', async () => {
    const reply = await hub.replay(LABEL, { node: 'gw-1', from: '0-1' });
    expect(reply.node).toBe('gw-1');
    await waitFor(async () => {
      const nodes = await hub.nodes();
      return nodes.find((status) => status.node === 'gw-1')?.gatewayLabels[LABEL]?.lag === 0;
    }, { message: 'gw-1 caught up after replay' });
    await expectIdentical(agent('gw-1').root, hubTree);
  });
});

describe('node-local commands against a running gateway', () => {
  it('hold a hand edit as an override, list it, keep it through hub updates, and clear it', async () => {
    const gw1 = agent('gw-1');
    await writeFile(join(gw1.root, API), '<api debug="by hand"/>');
    await waitFor(async () => (await cli('override', 'list', '--admin', gw1.admin)).stdout.includes(API), { message: 'override listed' });
    const listed = JSON.parse((await cli('override', 'list', '--admin', gw1.admin, '--json')).stdout) as Array<{ path: string; kind: string }>;
    expect(listed).toEqual([expect.objectContaining({ path: API, kind: 'changed' })]);
    const fixtures = await fixtureFiles();
    await hub.pushChangeset(LABEL, { changes: [{ op: 'put', path: API, content: revised(fixtures.get(API) as Buffer, 3) }] });
    await expectIdentical(agent('gw-2').root, hubTree);
    expect(await readFile(join(gw1.root, API), 'utf8')).toBe('<api debug="by hand"/>');
    const verify = await cli('verify', '--admin', gw1.admin);
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toContain(`overridden\t${API}`);
    expect(verify.stdout).toMatch(/^in sync except 1 override: 0 missing, 0 stale, 0 extra, 1 overridden/m);
    const allowed = await cli('verify', '--allow-overrides', '--admin', gw1.admin);
    expect(allowed.exitCode).toBe(0);
    const cleared = await cli('override', 'clear', API, '--admin', gw1.admin);
    expect(cleared.exitCode).toBe(0);
    expect(await readFile(join(gw1.root, API), 'utf8')).toContain('revision 3');
    const added = 'synapse-configs/default/sequences/by-hand.xml';
    await writeFile(join(gw1.root, added), '<sequence name="by-hand"/>');
    await waitFor(async () => (await cli('override', 'list', '--admin', gw1.admin)).stdout.includes(added), { message: 'added file listed' });
    const clearedAdded = await cli('override', 'clear', added, '--admin', gw1.admin);
    expect(clearedAdded.stdout).toBe(`cleared ${added}; the local file was backed up to ${join(gw1.state, 'backup', added)}`);
    expect(await readFile(join(gw1.state, 'backup', added), 'utf8')).toBe('<sequence name="by-hand"/>');
  });

  it('undeploy removes a file on one node until redeploy', async () => {
    const gw1 = agent('gw-1');
    expect((await cli('undeploy', EP_PROD, '--admin', gw1.admin)).exitCode).toBe(0);
    await expect(readFile(join(gw1.root, EP_PROD))).rejects.toThrow(/ENOENT/);
    expect((await readFile(join(agent('gw-2').root, EP_PROD))).length).toBeGreaterThan(0);
    expect((await cli('redeploy', EP_PROD, '--admin', gw1.admin)).exitCode).toBe(0);
    await expectIdentical(gw1.root, hubTree);
  });

  it('recognise a file changed or deleted while the agent was down, and `override clear --all` restores the hub', async () => {
    const gw1 = agent('gw-1');
    expect(await stopAgent(gw1, 'SIGTERM')).toBe(0);
    await writeFile(join(gw1.root, EP_SANDBOX), '<endpoint offline="edit"/>');
    await rm(join(gw1.root, 'synapse-configs/default/sequences/fault.xml'));
    await startAgent('gw-1', gw1.admin);
    const list = await cli('override', 'list', '--admin', gw1.admin, '--json');
    const kinds = (JSON.parse(list.stdout) as Array<{ path: string; kind: string }>).map((item) => `${item.kind} ${item.path}`);
    expect(kinds).toEqual([`changed ${EP_SANDBOX}`, 'deleted synapse-configs/default/sequences/fault.xml']);
    expect((await cli('override', 'clear', '--all', '--admin', gw1.admin)).exitCode).toBe(0);
    await expectIdentical(agent('gw-1').root, hubTree);
    expect((await cli('verify', '--admin', agent('gw-1').admin)).exitCode).toBe(0);
  });

  it('fail with exit 1 and one line when no agent answers', async () => {
    const result = await cli('verify', '--admin', `http://127.0.0.1:${await findFreePort()}`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^artisync: agent admin API unreachable/);
  });
});

describe('drift and readiness', () => {
  it('repair a head planted in Redis without an event at the next drift check, reported in the heartbeat', async () => {
    // Rounds far apart and heartbeats often: the round that repaired is the one a heartbeat reports.
    const gw3 = spawnAgent('gw-3', `http://127.0.0.1:${await findFreePort()}`, ['--verify-interval', '2000', '--heartbeat-interval', '200']);
    await expectIdentical(gw3.root, hubTree);
    const client = redis.client();
    try {
      await new HubLayoutSeeder(client, 'intruder').plantHead(LABEL, { path: EP_PROD, content: '<endpoint name="planted"/>' });
    } finally {
      client.disconnect();
    }
    await waitFor(async () => (await readFile(join(gw3.root, EP_PROD), 'utf8')) === '<endpoint name="planted"/>', { message: 'planted head written' });
    await waitFor(async () => ((await hub.nodes()).find((status) => status.node === 'gw-3')?.lastVerification?.repaired ?? 0) > 0, { message: 'repair reported' });
  });

  it('in sync mode stay unready while Redis is unreachable, retrying with a doubling delay; async mode is ready at once', async () => {
    const dead = `redis://127.0.0.1:${await findFreePort()}/0`;
    const syncAgent = spawnAgent('gw-sync', `http://127.0.0.1:${await findFreePort()}`, ['--redis-url', dead, '--data-retrieval-mode', 'sync']);
    const asyncAgent = spawnAgent('gw-async', `http://127.0.0.1:${await findFreePort()}`, ['--redis-url', dead, '--data-retrieval-mode', 'async']);
    await waitFor(async () => (await fetch(`${asyncAgent.admin}/readyz`).catch(() => undefined))?.status === 200, { message: 'async agent ready' });
    const waits = await waitFor(() => {
      const found = syncAgent.output().split('\n').filter((line) => line.includes('gateway sync failed, retrying')).map((line) => (JSON.parse(line) as { waitMs: number }).waitMs);
      return found.length >= 3 ? found : undefined;
    }, { timeoutMs: 30_000, message: 'three failed sync attempts' });
    expect(waits.slice(0, 3)).toEqual([200, 400, 800]);
    expect((await fetch(`${syncAgent.admin}/readyz`)).status).toBe(503);
    expect(await stopAgent(syncAgent, 'SIGTERM')).toBe(0);
    expect(await stopAgent(asyncAgent, 'SIGTERM')).toBe(0);
  });
});
