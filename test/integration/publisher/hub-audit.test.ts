// The publisher's hub audit against a real hub and redis-server rolled back to an earlier state (every key restored
// from DUMPs, as an older AOF would): lost puts, creations and deletes come back; other publishers' edits stay.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRole, EchoFilter } from '../../../agent/agent-role.js';
import { HubClient } from '../../../client/hub-client.js';
import { OwnPublisherLink } from '../../../agent/own-publisher-link.js';
import { startPublisherWith } from '../../../agent/publisher/publisher-role.js';
import { resolveConfig } from '../../../core/config-schema.js';
import type { ChangesetRequest, ChangesetResponse, DigestReply, VersionsReply } from '../../../core/hub-api.js';
import { captureKeys, restoreKeys } from '../../support/redis-dump.js';
import { TestRedis } from '../../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../../support/temp-tree.js';
import { waitFor } from '../../support/wait-for.js';
import { ListeningHub } from './listening-hub.js';

const API = 'synapse-configs/default/api';
const LABEL = 'Production and Sandbox';
const xml = (name: string, extra = ''): string => `<api name="${name}">${extra}</api>\n`;
const validate = () => ({ ok: true, incomplete: false, issues: [] });
const isIgnoredPath = (path: string): boolean => path.split('/').some((segment) => segment.startsWith('.'));

/** Counts the audit's digest requests and every pushed item, so a test can wait for audits instead of sleeping. */
class CountingHubClient extends HubClient {
  digests = 0;
  versionReads = 0;
  readonly pushed: string[] = [];

  override async versions(label: string): Promise<VersionsReply> {
    this.versionReads += 1;
    return super.versions(label);
  }

  override async digest(label: string): Promise<DigestReply> {
    const reply = await super.digest(label);
    this.digests += 1;
    return reply;
  }

  override async pushChangeset(label: string, changeset: ChangesetRequest): Promise<ChangesetResponse> {
    this.pushed.push(...changeset.changes.map((change) => `${change.op} ${change.path}`));
    return super.pushChangeset(label, changeset);
  }
}

let redis: TestRedis;
let direct: Redis;
let hub: ListeningHub;
let root: string;
let state: string;
let role: AgentRole | undefined;
let client: CountingHubClient;
let logged: string[];

interface StartOptions {
  ownPublisher?: OwnPublisherLink;
  echoFilter?: EchoFilter;
  auditIntervalMs?: number;
}

async function start(options: StartOptions = {}): Promise<void> {
  const { ownPublisher, echoFilter = { isOwnWrite: () => false }, auditIntervalMs = 200 } = options;
  const config = resolveConfig('agent', {
    file: { node_id: 'pub-1', server_root: root, state_dir: state, publisher: { enabled: true, labels: [LABEL], audit_interval: auditIntervalMs } },
    filePath: undefined, env: new Map(), flags: new Map(),
  });
  logged = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logged.push(line); } });
  client = new CountingHubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 });
  const deps = { config, logger, hub: client, echoFilter, ...(ownPublisher === undefined ? {} : { ownPublisher }) };
  role = await startPublisherWith(deps, { validate, isIgnoredPath });
  await waitFor(() => logged.some((line) => line.includes('startup sync done')), { message: 'startup sync done' });
}

const hubHas = (path: string, content: string | undefined) => async () => (await hub.contents(LABEL))[path] === content;

async function auditsPass(count: number): Promise<void> {
  const target = client.digests + count;
  await waitFor(() => client.digests >= target, { message: `${count} more audits` });
}

/** Publishes one API per name, waits until the hub holds them all, and returns a copy of every Redis key. */
async function publishedAndCaptured(names: string[]): Promise<Awaited<ReturnType<typeof captureKeys>>> {
  for (const name of names) await writeFile(join(root, `${API}/${name}.xml`), xml(name));
  await start();
  await waitFor(async () => Object.keys(await hub.contents(LABEL)).length === names.length, { message: 'baseline on the hub' });
  return captureKeys(direct);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  direct = redis.client();
  hub = await ListeningHub.start(redis);
});

afterAll(async () => {
  await hub.down();
  direct.disconnect();
  await redis.destroy();
});

beforeEach(async () => {
  // Each test starts from an empty store; its publisher's folders are its own.
  [root, state] = await Promise.all([makeTempDir('artisync-audit-root-'), makeTempDir('artisync-audit-state-'), direct.flushall()]);
  await mkdir(join(root, API), { recursive: true });
});

afterEach(async () => {
  await role?.stop();
  role = undefined;
  await Promise.all([removeTempDir(root), removeTempDir(state)]);
});

describe('hub audit', () => {
  it('pushes again the edits, creations and deletes the hub lost, and only those, logging once per label', async () => {
    const [edited, created, deleted, kept] = ['edited', 'created', 'deleted', 'kept'].map((name) => `${API}/${name}.xml`) as [string, string, string, string];
    await writeFile(join(root, edited), xml('edited', 'v1'));
    await writeFile(join(root, deleted), xml('deleted'));
    await writeFile(join(root, kept), xml('kept'));
    await start();
    await waitFor(async () => Object.keys(await hub.contents(LABEL)).length === 3, { message: 'baseline on the hub' });
    const older = await captureKeys(direct);
    await writeFile(join(root, edited), xml('edited', 'v2'));
    await writeFile(join(root, created), xml('created'));
    await rm(join(root, deleted));
    await waitFor(async () => (await hubHas(edited, xml('edited', 'v2'))()) && (await hubHas(created, xml('created'))()) && hubHas(deleted, undefined)(), { message: 'edits on the hub' });
    client.pushed.length = 0;

    await restoreKeys(direct, older);
    await waitFor(async () => (await hubHas(edited, xml('edited', 'v2'))()) && (await hubHas(created, xml('created'))()) && hubHas(deleted, undefined)(), { message: 'lost edits pushed again' });
    expect(client.pushed.sort()).toEqual([`delete ${deleted}`, `put ${created}`, `put ${edited}`]);
    const lostLines = logged.filter((line) => line.includes('the hub lost commits'));
    expect(lostLines).toHaveLength(1);
    expect(lostLines[0]).toContain('"count":3');
    expect(await hub.contents(LABEL)).toMatchObject({ [kept]: xml('kept') });
  });

  it('pushes again a delete the hub lost after this publisher restarted', async () => {
    const gone = `${API}/gone.xml`;
    const older = await publishedAndCaptured(['k1', 'k2', 'k3', 'gone']);
    await rm(join(root, gone));
    await waitFor(hubHas(gone, undefined), { message: 'the delete on the hub' });
    await role?.stop();
    await start();
    await restoreKeys(direct, older);
    await waitFor(hubHas(gone, undefined), { message: 'the lost delete pushed again by the restarted publisher' });
    expect(await hub.contents(LABEL)).toMatchObject({ [`${API}/k1.xml`]: xml('k1') });
  });

  it('pushes again a lost delete whose commit this publisher never heard of before it restarted', async () => {
    const gone = `${API}/unheard.xml`;
    const older = await publishedAndCaptured(['k1', 'k2', 'k3', 'unheard']);
    await role?.stop();
    // As a publisher SIGKILLed after sending the delete and before its reply: the hub committed it, the journal still
    // knows the file, and published-deletes.json never heard of it.
    await rm(join(root, gone));
    const killed = new HubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 });
    await killed.pushChangeset(LABEL, { changes: [{ op: 'delete', path: gone }] });
    await start();
    await restoreKeys(direct, older);
    await waitFor(hubHas(gone, undefined), { message: 'the lost delete pushed again by the restarted publisher' });
    expect(await hub.contents(LABEL)).toMatchObject({ [`${API}/k1.xml`]: xml('k1') });
  });

  it('starts without the saved delete versions when their file is damaged, naming it', async () => {
    await writeFile(join(state, 'published-deletes.json'), '{"Production and Sandbox": {');
    await start();
    expect(logged.some((line) => line.includes('published-deletes.json') && line.includes('cannot be read'))).toBe(true);
  });

  it('leaves alone what another publisher changed after this one, and audits with one digest request when nothing changed', async () => {
    const shared = `${API}/shared.xml`;
    await writeFile(join(root, shared), xml('shared', 'mine'));
    await start();
    await waitFor(hubHas(shared, xml('shared', 'mine')));
    await hub.seed(LABEL, shared, xml('shared', 'theirs'));
    await hub.seed(LABEL, `${API}/other.xml`, xml('other'));
    client.pushed.length = 0;
    await auditsPass(1);
    const versionReads = client.versionReads;
    await auditsPass(3);
    expect(client.versionReads).toBe(versionReads);
    expect(await hub.contents(LABEL)).toMatchObject({ [shared]: xml('shared', 'theirs') });
    expect(client.pushed).toEqual([]);
    expect(logged.filter((line) => line.includes('the hub lost commits'))).toEqual([]);
  });

  it('pushes again what the node\'s gateway found the hub went back on, even when the echo filter would hide it', async () => {
    const path = `${API}/mine.xml`;
    await writeFile(join(root, path), xml('mine', 'v1'));
    const link = new OwnPublisherLink();
    // As on a publish+gateway node whose gateway adopted v2 into its applied record: v2 on disk looks like its own write.
    let gatewayAdopted = false;
    await start({ ownPublisher: link, auditIntervalMs: 3_600_000, echoFilter: { isOwnWrite: () => gatewayAdopted } });
    await waitFor(hubHas(path, xml('mine', 'v1')));
    const older = await captureKeys(direct);
    await writeFile(join(root, path), xml('mine', 'v2'));
    await waitFor(hubHas(path, xml('mine', 'v2')));
    expect(link.confirmedVersion(LABEL, path)).toBe(2);
    gatewayAdopted = true;
    await restoreKeys(direct, older);
    link.repush(LABEL, path, { version: 1, sha256: (await hub.client.snapshot(LABEL)).artifacts[0]?.sha256 ?? '' });
    await waitFor(hubHas(path, xml('mine', 'v2')), { message: 'pushed again at the gateway\'s request' });
  });
});
