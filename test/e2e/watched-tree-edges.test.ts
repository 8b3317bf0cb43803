// Edges of the watched trees: symlinks (to a file or a folder outside) are never followed out of the tree, on the
// publisher or on the gateway, and files created right after their new folder are all published.
import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readHeads, sha256Of } from '../support/store-invariants.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const NS = 'http://ws.apache.org/ns/synapse';

let redis: TestRedis;
let cluster: TestCluster;
let publisher: AgentNode;
let gateway: AgentNode;
let outside: string;

async function heads(): Promise<Map<string, string>> {
  const client = redis.client();
  try {
    return new Map([...(await readHeads(client, LABEL))].map(([path, head]) => [path, head.sha256]));
  } finally {
    client.disconnect();
  }
}

/** Publishes a marker file and waits until the hub has it: every earlier watcher event has been handled by then. */
async function publishMarker(name: string): Promise<void> {
  const content = apiXml(name, 'marker');
  await writeArtifact(publisher.serverRoot, apiPath(name), content);
  await waitFor(async () => (await heads()).get(apiPath(name)) === sha256Of(content), { timeoutMs: 30_000, message: `marker ${name} published` });
}

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  const hub = await cluster.startHub(redis.url);
  outside = await cluster.tempDir('artisync-outside-');
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL] });
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('symlinks', () => {
  it('does not publish what a symlink to a file or a folder outside the tree points at', async () => {
    const secret = apiXml('Secret', 'outside-the-tree');
    await mkdir(join(outside, 'dir'), { recursive: true });
    await writeArtifact(outside, 'secret.xml', secret);
    await writeArtifact(outside, 'dir/api/Inner.xml', secret);
    await symlink(join(outside, 'secret.xml'), join(publisher.serverRoot, apiPath('FileLink')));
    await symlink(join(outside, 'dir'), join(publisher.serverRoot, 'synapse-configs/default/linked'));
    await symlink('../../../../../../../../../../etc', join(publisher.serverRoot, 'synapse-configs/default/etc-link'));
    await publishMarker('AfterLinks');
    const published = await heads();
    expect([...published.values()]).not.toContain(sha256Of(secret));
    expect([...published.keys()].filter((path) => /FileLink|linked|etc-link/.test(path))).toEqual([]);
  });

  it('does not write through a gateway folder that is a symlink out of the tree', async () => {
    const target = join(outside, 'sequences-elsewhere');
    await mkdir(target, { recursive: true });
    const sequences = join(gateway.serverRoot, 'synapse-configs/default/sequences');
    await rm(sequences, { recursive: true, force: true });
    await symlink(target, sequences);
    const content = `<sequence xmlns="${NS}" name="Escaping"><log/></sequence>`;
    await writeArtifact(publisher.serverRoot, 'synapse-configs/default/sequences/Escaping.xml', content);
    await waitFor(async () => (await heads()).has('synapse-configs/default/sequences/Escaping.xml'), { message: 'sequence published' });
    await publishMarker('AfterEscape');
    await waitFor(async () => (await readTrees(gateway.serverRoot)).has(apiPath('AfterEscape')), { message: 'gateway past the sequence' });
    expect(await readdir(target), 'the gateway wrote through a symlinked folder to outside its tree (guarantee 10 in docs/guarantees.md)').toEqual([]);
  });
});

describe('new folders', () => {
  it('publishes every file created right after its folder', async () => {
    const kinds = { templates: 'template', 'proxy-services': 'proxy', tasks: 'task', 'message-stores': 'messageStore', 'message-processors': 'messageProcessor', 'inbound-endpoints': 'inboundEndpoint' };
    const expected = new Map<string, string>();
    for (const [folder, root] of Object.entries(kinds)) {
      const path = `synapse-configs/default/${folder}/New${root}.xml`;
      const content = `<${root} xmlns="${NS}" name="New${root}"/>`;
      expected.set(path, sha256Of(content));
      await writeArtifact(publisher.serverRoot, path, content);
    }
    await publishMarker('AfterFolders');
    let published = new Map<string, string>();
    await waitFor(async () => {
      published = await heads();
      return [...expected].every(([path, sha256]) => published.get(path) === sha256);
    }, { timeoutMs: 15_000, message: 'every file in the new folders published' }).catch(() => undefined);
    expect(new Map([...expected].map(([path]) => [path, published.get(path)]))).toEqual(expected);
  });
});
