// Whole files only: a reader polling a gateway folder during a burst of changes never sees a partial file or a temp named .xml.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { GatewayRole } from '../../agent/gateway/gateway-role.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';
import { startTestGateway } from './gateway-harness.js';
import { HubLayoutSeeder } from './hub-layout-seeder.js';

const LABEL = 'Production and Sandbox';
const FOLDER = 'synapse-configs/default/api';
const PATHS = ['a', 'b', 'c'].map((name) => `${FOLDER}/${name}.xml`);
const CHANGES = 150;

let redis: TestRedis;
let client: Redis;
let dir: string;
let gateway: GatewayRole | undefined;

beforeAll(async () => {
  redis = await TestRedis.start();
  client = redis.client();
  dir = await makeTempDir('artisync-vis-');
});

afterAll(async () => {
  await gateway?.stop();
  client.disconnect();
  await redis.destroy();
  await removeTempDir(dir);
});

// Big enough that a write takes several syscalls; the closing tag and the declared length tell a complete file.
function document(version: number): string {
  const body = `<!-- v${version} -->`.padEnd(200_000, 'x');
  return `<api length="${body.length}">${body}</api>`;
}

function isComplete(text: string): boolean {
  const match = /^<api length="(\d+)">/.exec(text);
  return match !== null && text.endsWith('</api>') && text.length === match[0].length + Number(match[1]) + '</api>'.length;
}

describe('atomic visibility', () => {
  it('never exposes a partial artifact or an .xml temp to a polling reader', async () => {
    gateway = await startTestGateway({ nodeId: 'gw-1', serverRoot: join(dir, 'server'), stateDir: join(dir, 'state'), redisUrl: redis.url, labels: [LABEL] });
    const seeder = new HubLayoutSeeder(client);
    const problems: string[] = [];
    let reads = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const names = await readdir(join(dir, 'server', FOLDER)).catch(() => [] as string[]);
        for (const name of names) {
          if (name.startsWith('.artisync-')) {
            if (name.endsWith('.xml') || name.endsWith('.siddhiql')) problems.push(`deployable temp ${name}`);
            continue;
          }
          const text = await readFile(join(dir, 'server', FOLDER, name), 'utf8').catch(() => undefined);
          if (text === undefined) continue;
          reads += 1;
          if (!isComplete(text)) problems.push(`partial ${name} (${text.length} chars)`);
        }
      }
    })();
    for (let version = 1; version <= CHANGES; version += 1) {
      await seeder.commit(LABEL, [{ path: PATHS[version % PATHS.length] as string, content: document(version) }]);
    }
    const last = document(CHANGES);
    const lastPath = join(dir, 'server', PATHS[CHANGES % PATHS.length] as string);
    await waitFor(async () => (await readFile(lastPath, 'utf8').catch(() => '')) === last, { timeoutMs: 60_000, message: 'last version on disk' });
    polling = false;
    await poller;
    expect(reads).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
