// Token scopes with the built hub, agents and CLI: a read (gateway) token cannot write, a publisher's token writes only
// to its labels, operator actions need admin, a heartbeat must name the token's node, old two-column lines keep full
// access; SIGHUP reloads tokens_file without a restart and keeps the old tokens when the new file is bad; and
// `artisync node forget` removes a retired node and its consumer groups.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { runCli } from '../support/cli-process.js';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readHeads } from '../support/store-invariants.js';
import { readTrees, TestCluster, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const TOKENS = { 'pub-1': 'pub-token-1', 'gw-1': 'gw-token-1', ops: 'ops-token-1', legacy: 'legacy-token-1' };
const SCOPES = { 'pub-1': `publish:${LABEL}`, 'gw-1': 'read', ops: 'admin' };

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;
let tokensFile: string;
let publisher: AgentNode;
let gateway: AgentNode;

async function hubRequest(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const response = await fetch(`${hub.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

const labelPath = (route: string, label = LABEL): string => `/v1/labels/${encodeURIComponent(label)}/${route}`;
const cli = (args: string[], token: string): ReturnType<typeof runCli> => runCli([...args, '--hub', hub.url, '--token', token]);

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  tokensFile = await cluster.tokensFile(TOKENS, SCOPES);
  hub = await cluster.startHub(redis.url, { tokensFile });
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL], token: TOKENS['pub-1'] });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL], token: TOKENS['gw-1'] });
  await writeArtifact(publisher.serverRoot, apiPath('Scoped'), apiXml('Scoped', 'v1'));
  await waitFor(async () => (await readTrees(gateway.serverRoot)).has(apiPath('Scoped')), { timeoutMs: 30_000, message: 'the gateway (read token) to apply the publisher\'s (publish token) file' });
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('token scopes', () => {
  it('refuses writes from a read token with 403 ARTISYNC_SCOPE_PUBLISH naming the request and the scope', async () => {
    const change = { changes: [{ op: 'delete', path: apiPath('Scoped') }] };
    const refused = await hubRequest('POST', labelPath('changesets'), TOKENS['gw-1'], change);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('ARTISYNC_SCOPE_PUBLISH');
    expect(refused.body.error?.message).toBe(`POST ${labelPath('changesets')} needs scope publish:${LABEL}; the token of gw-1 has read`);
    const source = await cluster.tempDir('artisync-import-');
    await writeArtifact(source, apiPath('Imported'), apiXml('Imported', 'v1'));
    const imported = await cli(['import', '--label', LABEL, '--server-root', source], TOKENS['gw-1']);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(/answered 403: POST .*changesets needs scope publish:Production and Sandbox; the token of gw-1 has read/);
    const client = redis.client();
    try {
      expect([...(await readHeads(client, LABEL)).keys()]).toEqual([apiPath('Scoped')]);
    } finally {
      client.disconnect();
    }
  });

  it('lets a publisher token write only to its labels', async () => {
    const put = { changes: [{ op: 'put', path: apiPath('Elsewhere'), content: Buffer.from(apiXml('Elsewhere', 'v1')).toString('base64') }] };
    const refused = await hubRequest('POST', labelPath('changesets', 'Default'), TOKENS['pub-1'], put);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'ARTISYNC_SCOPE_PUBLISH', message: expect.stringContaining(`needs scope publish:Default; the token of pub-1 has read, publish:${LABEL}`) as string });
    expect((await hubRequest('POST', labelPath('changesets'), TOKENS['pub-1'], put)).status).toBe(200);
  });

  it('keeps rollback, replay and node forget to admin tokens (403 ARTISYNC_SCOPE_ADMIN)', async () => {
    const rollback = await cli(['rollback', LABEL, apiPath('Scoped'), '--to', '1'], TOKENS['pub-1']);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toMatch(/answered 403: POST \/v1\/labels\/.*\/rollback needs scope admin; the token of pub-1 has read, publish:Production and Sandbox/);
    const replay = await cli(['replay', '--node', 'gw-1', '--label', LABEL, '--from', '0-1'], TOKENS['gw-1']);
    expect(replay.stderr).toMatch(/answered 403: POST \/v1\/labels\/.*\/replay needs scope admin; the token of gw-1 has read/);
    const forget = await cli(['node', 'forget', 'gw-1'], TOKENS['gw-1']);
    expect(forget.code).toBe(1);
    expect(forget.stderr).toMatch(/answered 403: DELETE \/v1\/nodes\/gw-1 needs scope admin/);
    expect((await hubRequest('POST', labelPath('replay'), TOKENS['gw-1'], { node: 'gw-1', from: '0-1' })).body.error?.code).toBe('ARTISYNC_SCOPE_ADMIN');
    const admin = await cli(['replay', '--node', 'gw-1', '--label', LABEL, '--from', '0-1'], TOKENS.ops);
    expect(admin.stderr).toBe('');
    expect(admin.code).toBe(0);
  });

  it('refuses a heartbeat naming another node than the token\'s (403 ARTISYNC_NODE_MISMATCH)', async () => {
    const nodes = await hubRequest('GET', '/v1/nodes', TOKENS['gw-1']);
    const own = (nodes.body as unknown as Array<Record<string, unknown>>).find((node) => node.node === 'gw-1');
    const forged = await hubRequest('POST', '/v1/nodes/heartbeat', TOKENS['gw-1'], { ...own, node: 'pub-1' });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toEqual({ code: 'ARTISYNC_NODE_MISMATCH', message: 'POST /v1/nodes/heartbeat reports node pub-1, but the token belongs to node gw-1', subject: 'pub-1' });
  });

  it('gives an old two-column line full access', async () => {
    const rollback = await cli(['rollback', LABEL, apiPath('Scoped'), '--to', '1'], TOKENS.legacy);
    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
  });
});

describe('tokens_file reload on SIGHUP', () => {
  it('takes new tokens without a restart, and keeps the old ones when the new file is bad', async () => {
    const pid = hub.daemon.pid ?? 0;
    const reloads = (): number => hub.daemon.logsWithMsg('tokens_file reloaded').length;
    expect((await hubRequest('GET', '/v1/labels', 'new-token-1')).status).toBe(401);
    await writeFile(tokensFile, `${Object.entries(TOKENS).map(([node, token]) => `${node} ${token} ${(SCOPES as Record<string, string>)[node] ?? ''}`).join('\n')}\nnewcomer new-token-1 read\n`);
    process.kill(pid, 'SIGHUP');
    await waitFor(() => reloads() === 1, { message: 'the hub to log the reload' });
    expect((await hubRequest('GET', '/v1/labels', 'new-token-1')).status).toBe(200);

    await writeFile(tokensFile, 'newcomer new-token-1 read\nbroken new-token-2 publish\n');
    process.kill(pid, 'SIGHUP');
    const failure = await hub.daemon.waitForLog((line) => String(line.msg).startsWith('tokens_file reload failed'));
    expect(String(failure.msg)).toContain(`${tokensFile}:2: unknown scope "publish"`);
    expect((await hubRequest('GET', '/v1/labels', TOKENS['gw-1'])).status).toBe(200);
    expect((await hubRequest('GET', '/v1/labels', 'new-token-2')).status).toBe(401);
    expect(hub.daemon.alive).toBe(true);
    // The agents' connections and heartbeats went on through both reloads.
    const unauthorised = [...publisher.daemon.logs, ...gateway.daemon.logs].filter((line) => JSON.stringify(line).includes('ARTISYNC_UNAUTHORIZED'));
    expect(unauthorised).toEqual([]);
  });
});

describe('artisync node forget', () => {
  it('refuses a running node, then removes the stopped one from status and its consumer groups', async () => {
    const active = await cli(['node', 'forget', 'gw-1'], TOKENS.ops);
    expect(active.code).toBe(1);
    expect(active.stderr).toMatch(/answered 409: node gw-1 sent a heartbeat \d+ s ago: stop its agent/);
    await gateway.daemon.stop();
    const forgotten = await waitFor(async () => {
      const run = await cli(['node', 'forget', 'gw-1'], TOKENS.ops);
      return run.code === 0 ? run : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300, message: 'forget to succeed once gw-1 is quiet' });
    expect(forgotten.stdout).toBe(`forgot node gw-1; removed its consumer group on ${LABEL}\n`);
    const status = await cli(['status', '--json'], TOKENS.ops);
    expect((JSON.parse(status.stdout) as { nodes: Array<{ node: string }> }).nodes.map((node) => node.node)).toEqual(['pub-1']);
    const client = redis.client();
    try {
      const groups = (await client.xinfo('GROUPS', redisKeys.stream(LABEL))) as unknown[][];
      expect(groups.map((group) => group[1])).not.toContain(consumerGroupName('gw-1'));
    } finally {
      client.disconnect();
    }
    const again = await cli(['node', 'forget', 'gw-1'], TOKENS.ops);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/answered 404: node gw-1 is unknown/);
  });
});
