// The built CLI's hub commands against a real hub process and a real redis-server: happy paths and failure exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { HubClient } from '../../client/hub-client.js';
import { CLI_ENTRY, runCli } from '../support/cli-process.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir, writeTree } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const TOKEN = 'e2e-secret-token';
const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const ENDPOINT = 'synapse-configs/default/endpoints/PizzaShack_PRODENDPOINT.xml';
const PLAN = 'executionplans/throttle.siddhiql';
const BAD = 'synapse-configs/default/sequences/broken.xml';
const apiXml = (context: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="http://ws.apache.org/ns/synapse" name="admin--PizzaShackAPI" context="${context}">\n  <resource methods="GET" uri-template="/menu"/>\n</api>\n`;
const FILES: Record<string, string> = {
  [API]: apiXml('/pizzashack/1.0.0'),
  [ENDPOINT]: '<endpoint xmlns="http://ws.apache.org/ns/synapse" name="PizzaShack_PRODENDPOINT">\n  <address uri="https://localhost:9443/am/sample/pizzashack/v1/api/"/>\n</endpoint>\n',
  [PLAN]: "@Plan:name('throttle')\ndefine stream RequestStream (messageID string);\n",
  'synapse-configs/default/api/.hidden.xml': '<api/>',
  'synapse-configs/default/api/edit.xml.swp': 'swap',
};

let redis: TestRedis;
let hub: ChildProcess;
let hubUrl = '';
let workDir = '';

async function startHub(): Promise<void> {
  const port = await findFreePort();
  const tokensFile = join(workDir, 'tokens');
  // Heartbeats come from their own nodes, in case the hub ties a token to its node id.
  await writeFile(tokensFile, `cli-e2e ${TOKEN}\ngw-ok token-gw-ok\ngw-behind token-gw-behind\n`);
  hubUrl = `http://127.0.0.1:${port}`;
  hub = spawn(process.execPath, [CLI_ENTRY, 'hub', '--listen', `127.0.0.1:${port}`, '--redis-url', redis.url, '--tokens-file', tokensFile], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`${hubUrl}/healthz`)).ok, { timeoutMs: 20_000, message: 'hub /healthz' });
}

const hubArgs = (): string[] => ['--hub', hubUrl, '--token', TOKEN];

beforeAll(async () => {
  workDir = await makeTempDir('artisync-cli-e2e-');
  redis = await TestRedis.start({ appendonly: true });
  await startHub();
});

afterAll(async () => {
  if (hub.exitCode === null) {
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    hub.kill('SIGTERM');
    await exited;
  }
  await redis.destroy();
  await removeTempDir(workDir);
});

describe('import, ls, export', () => {
  it('imports a server root, skipping dotfiles and editor files, and reports a rejected file with exit 1', async () => {
    const root = join(workDir, 'nfs');
    await writeTree(root, { ...FILES, [BAD]: '<sequence name="broken">' });
    const run = await runCli(['import', '--label', LABEL, '--server-root', root, ...hubArgs()]);
    expect(run.stdout).toContain(`imported into ${LABEL}: 3 created, 0 updated, 0 unchanged, 1 rejected`);
    expect(run.stdout).toContain(`rejected ${BAD}:`);
    expect(run.code).toBe(1);
  });

  it('imports the same tree again as unchanged and exits 0 once nothing is rejected', async () => {
    const root = join(workDir, 'nfs-clean');
    await writeTree(root, FILES);
    const run = await runCli(['import', '--label', LABEL, '--server-root', root, '--json', ...hubArgs()]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 3, rejected: [] });
  });

  it('lists the label as a table and as JSON', async () => {
    const table = await runCli(['ls', LABEL, ...hubArgs()]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^PATH\s+VERSION\s+SIZE\s+SHA256\s+UPDATED\s+BY$/);
    for (const path of [API, ENDPOINT, PLAN]) expect(table.stdout).toContain(path);
    expect(table.stdout).not.toContain('.hidden.xml');
    const json = await runCli(['ls', LABEL, '--json', ...hubArgs()]);
    expect((JSON.parse(json.stdout) as { artifacts: unknown[] }).artifacts).toHaveLength(3);
  });

  it('exports the label as a byte-identical server-root tree', async () => {
    const out = join(workDir, 'export');
    const run = await runCli(['export', '--label', LABEL, '--out', out, ...hubArgs()]);
    expect(run.code, run.stderr).toBe(0);
    for (const path of [API, ENDPOINT, PLAN]) expect(await readFile(join(out, path), 'utf8')).toBe(FILES[path]);
  });

  it('reads hub_url and token_file from an agent config', async () => {
    const tokenFile = join(workDir, 'token');
    const config = join(workDir, 'agent.toml');
    await writeFile(tokenFile, `${TOKEN}\n`);
    await writeFile(config, `node_id = "gw-e2e"\nserver_root = "/srv"\nhub_url = "${hubUrl}"\ntoken_file = "${tokenFile}"\n`);
    const run = await runCli(['ls', LABEL, '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(API);
  });
});

describe('history, diff, rollback', () => {
  it('shows versions newest first, diffs them and rolls back as a new version', async () => {
    const client = new HubClient({ hubUrl, token: TOKEN, node: 'cli-e2e' });
    await client.putArtifact(LABEL, API, Buffer.from(apiXml('/pizzashack/2.0.0')));
    const history = await runCli(['history', LABEL, API, ...hubArgs()]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout.split('\n').slice(1, 3).map((line) => line.trim().split(/\s+/)[0])).toEqual(['2', '1']);
    const diff = await runCli(['diff', LABEL, API, ...hubArgs()]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('-<api xmlns="http://ws.apache.org/ns/synapse" name="admin--PizzaShackAPI" context="/pizzashack/1.0.0">');
    expect(diff.stdout).toContain('+<api xmlns="http://ws.apache.org/ns/synapse" name="admin--PizzaShackAPI" context="/pizzashack/2.0.0">');
    const rollback = await runCli(['rollback', LABEL, API, '--to', '1', ...hubArgs()]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('version 3');
    expect((await client.getArtifact(LABEL, API)).toString()).toBe(FILES[API]);
  });

  it('exits 2 with one line when rollback lacks --to', async () => {
    const run = await runCli(['rollback', LABEL, API, ...hubArgs()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^artisync: rollback needs --to V.*\n$/);
  });
});

describe('replay', () => {
  it("rewinds a node's consumer group to the given revision", async () => {
    const client = redis.client();
    try {
      await client.xgroup('CREATE', redisKeys.stream(LABEL), consumerGroupName('gw-replay'), '$', 'MKSTREAM');
      const run = await runCli(['replay', '--node', 'gw-replay', '--label', LABEL, '--from', '0-0', ...hubArgs()]);
      expect(run.code, run.stderr).toBe(0);
      const groups = (await client.xinfo('GROUPS', redisKeys.stream(LABEL))) as unknown[][];
      const group = groups.find((fields) => fields[1] === consumerGroupName('gw-replay')) ?? [];
      expect(group[group.indexOf('last-delivered-id') + 1]).toBe('0-0');
    } finally {
      client.disconnect();
    }
  });

  it('exits 1 with one line for an unknown node or label and a future time, creating no group and no stream', async () => {
    const client = redis.client();
    try {
      const cases: Array<[string[], RegExp]> = [
        [['--node', 'gw-nobody', '--label', LABEL, '--from', '0-0'], /node gw-nobody is unknown/],
        [['--node', 'gw-replay', '--label', 'no-such-label', '--from', '0-0'], /label no-such-label has no stream/],
        [['--node', 'gw-replay', '--label', LABEL, '--since', '2035-01-01T00:00:00Z'], /since 2035-01-01T00:00:00Z is in the future/],
      ];
      for (const [args, message] of cases) {
        const run = await runCli(['replay', ...args, ...hubArgs()]);
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
        expect(run.stderr).toMatch(/^artisync: /);
      }
      expect(await client.exists(redisKeys.stream('no-such-label'))).toBe(0);
      const groups = (await client.xinfo('GROUPS', redisKeys.stream(LABEL))) as unknown[][];
      expect(groups.map((fields) => fields[1])).not.toContain(consumerGroupName('gw-nobody'));
    } finally {
      client.disconnect();
    }
  });

  it('exits 2 without --from or --since', async () => {
    const run = await runCli(['replay', '--node', 'gw-replay', '--label', LABEL, ...hubArgs()]);
    expect(run.code).toBe(2);
  });
});

describe('status', () => {
  const heartbeat = (node: string, appliedRevision: string, lag: number) => ({
    node, roles: ['gateway' as const], publisherLabels: [], gatewayLabels: { [LABEL]: { appliedRevision, lag } },
    overrides: [], invalid: [], conflicts: [], pending: 0, ready: true,
  });

  it('exits 0 and prints the nodes when every gateway has applied the hub\'s head', async () => {
    const client = new HubClient({ hubUrl, token: 'token-gw-ok', node: 'gw-ok' });
    await client.heartbeat(heartbeat('gw-ok', (await client.digest(LABEL)).revision, 0));
    const run = await runCli(['status', ...hubArgs()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^gw-ok\s+gateway\s+gw:Production and Sandbox\s+ok\s/m);
  });

  it('exits 1 naming the node that lags, and reports unseen nodes', async () => {
    await new HubClient({ hubUrl, token: 'token-gw-behind', node: 'gw-behind' }).heartbeat(heartbeat('gw-behind', '0-0', 4));
    const lagging = await runCli(['status', '--lag-grace', '0', '--json', ...hubArgs()]);
    expect(lagging.code).toBe(1);
    expect((JSON.parse(lagging.stdout) as { problems: Array<{ node: string; kind: string }> }).problems).toContainEqual(expect.objectContaining({ node: 'gw-behind', kind: 'lag' }));
    const stale = await runCli(['status', '--stale-after', '0', '--max-lag', '10', ...hubArgs()]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/artisync: gw-ok is frozen or down: no heartbeat for/);
  });
});

describe('failures', () => {
  it('exits 1 with what to do when the hub is unreachable', async () => {
    const run = await runCli(['ls', LABEL, '--hub', `http://127.0.0.1:${await findFreePort()}`, '--token', TOKEN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^artisync: hub unreachable .* is the hub running\? Point --hub \(or ARTISYNC_HUB_URL\) at it\n$/);
  });

  it('exits 1 and asks for a valid token on 401', async () => {
    const run = await runCli(['ls', LABEL, '--hub', hubUrl, '--token', 'wrong']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/401.*--token/);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 on a missing import option and on a bad hub URL', async () => {
    expect((await runCli(['import', '--label', LABEL, ...hubArgs()])).code).toBe(2);
    expect((await runCli(['ls', LABEL, '--hub', 'localhost:7420'])).code).toBe(2);
  });
});
