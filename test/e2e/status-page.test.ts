// The hub's /ui status page in headless Chromium against a live cluster of built processes: the token given once as
// ?token= (then a cookie), every node listed, a freshly edited artifact shown with its diff, and a screenshot.
// ARTISYNC_WRITE_SCREENSHOT=1 writes the screenshot to docs/status-page.png (the one README shows).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli-daemon.js';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readTrees, TestCluster, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const TOKENS = { 'pub-1': 'pub-token-ui', 'gw-1': 'gw-token-ui', 'gw-2': 'gw2-token-ui', viewer: 'viewer-token-ui' };
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;
let publisher: AgentNode;
let gateways: AgentNode[];

/** Runs headless Chromium on the page with its own profile; returns stdout. */
async function chromium(args: string[], url: string): Promise<string> {
  const profile = await cluster.tempDir('artisync-chromium-');
  const result = await execa(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${profile}`, ...args, url,
  ], { timeout: 60_000, reject: false });
  if (result.exitCode !== 0) throw new Error(`chromium exited ${String(result.exitCode)}: ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  const tokensFile = await cluster.tokensFile(TOKENS, { 'pub-1': `publish:${LABEL}`, 'gw-1': 'read', 'gw-2': 'read', viewer: 'read' });
  hub = await cluster.startHub(redis.url, { tokensFile });
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL], token: TOKENS['pub-1'] });
  gateways = [];
  for (const node of ['gw-1', 'gw-2'] as const) {
    gateways.push(await cluster.startAgent({ nodeId: node, hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL], token: TOKENS[node] }));
  }
  await writeArtifact(publisher.serverRoot, apiPath('Orders'), apiXml('Orders', 'v1-list'));
  await writeArtifact(publisher.serverRoot, apiPath('Payments'), apiXml('Payments', 'v1'));
  await waitFor(async () => (await readTrees(gateways[1]!.serverRoot)).size === 2, { timeoutMs: 30_000, message: 'both files on the gateways' });
  await writeArtifact(publisher.serverRoot, apiPath('Orders'), apiXml('Orders', 'v2-search'));
  await waitFor(async () => (await readTrees(gateways[0]!.serverRoot)).get(apiPath('Orders'))?.includes('v2-search'), { timeoutMs: 30_000, message: 'the edit on gw-1' });
  await waitFor(async () => {
    const nodes = (await (await fetch(`${hub.url}/v1/nodes`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).json()) as Array<{ node: string; gatewayLabels: Record<string, { lag: number; appliedRevision: string; hubRevision?: string }> }>;
    return nodes.length === 3 && nodes.every((node) => Object.values(node.gatewayLabels).every((state) => state.appliedRevision === state.hubRevision));
  }, { timeoutMs: 30_000, message: 'every gateway to report the head applied' });
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('the /ui status page', () => {
  it('refuses a browser without a token, and takes ?token= once into a /ui cookie', async () => {
    const refused = await fetch(`${hub.url}/ui`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ARTISYNC_UNAUTHORIZED');
    const login = await fetch(`${hub.url}/ui?token=${TOKENS.viewer}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/ui');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^artisync_token=viewer-token-ui; Path=\/ui; HttpOnly; SameSite=Strict/);
    const page = await fetch(`${hub.url}/ui`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    // The cookie opens the page only, never the API.
    expect((await fetch(`${hub.url}/v1/nodes`, { headers: { cookie: cookie.split(';')[0] ?? '' } })).status).toBe(401);
  });

  it('shows every node and the fresh edit with its diff in headless Chromium, and takes a screenshot', async () => {
    const dom = await chromium(['--dump-dom'], `${hub.url}/ui?token=${TOKENS.viewer}`);
    expect(dom).toContain('<h1>artisync status</h1>');
    for (const node of ['pub-1', 'gw-1', 'gw-2']) expect(dom).toContain(`<b>${node}</b>`);
    expect(dom).toMatch(/by <b>pub-1<\/b>/);
    expect(dom).toContain(`put ${apiPath('Orders')}</code> v2`);
    expect(dom).toContain('<span class="del">-  &lt;resource methods="GET" uri-template="/v1-list"/&gt;</span>');
    expect(dom).toContain('<span class="add">+  &lt;resource methods="GET" uri-template="/v2-search"/&gt;</span>');
    expect(dom).not.toMatch(/<script|<link|src="http/);

    const file = process.env.ARTISYNC_WRITE_SCREENSHOT === '1' ? join(REPO_ROOT, 'docs', 'status-page.png') : join(await cluster.tempDir('artisync-shot-'), 'status-page.png');
    await chromium([`--screenshot=${file}`, '--window-size=1280,1100', '--hide-scrollbars'], `${hub.url}/ui?token=${TOKENS.viewer}`);
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    expect((await readFile(file)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
