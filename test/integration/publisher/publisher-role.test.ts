// The publisher role against a real hub app and redis-server, on real temp trees: edits, moves, invalid and half-written files, outages.
import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRole, EchoFilter } from '../../../agent/agent-role.js';
import { HubClient } from '../../../client/hub-client.js';
import { UnavailableError } from '../../../core/errors.js';
import type { ChangesetRequest, ChangesetResponse } from '../../../core/hub-api.js';
import type { ValidationOutcome } from '../../../agent/publisher/file-assessment.js';
import { startPublisher, startPublisherWith } from '../../../agent/publisher/publisher-role.js';
import { sha256Of } from '../../../core/blob-codec.js';
import { redisKeys } from '../../../core/redis-keys.js';
import { resolveConfig } from '../../../core/config-schema.js';
import { makeTempDir, removeTempDir, writeTree } from '../../support/temp-tree.js';
import { waitFor } from '../../support/wait-for.js';
import { TestRedis } from '../../support/redis-server.js';
import { ListeningHub } from './listening-hub.js';

const API = 'synapse-configs/default/api';

// Stand-in rules: "<" … ">" is complete XML, a text containing INVALID is refused at line 2 column 3.
function validate(_path: string, bytes: Uint8Array): ValidationOutcome {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.includes('INVALID')) return { ok: false, incomplete: false, issues: [{ code: 'ARTISYNC_XML_MALFORMED', severity: 'error', line: 2, column: 3, message: 'bad' }] };
  if (!text.trimEnd().endsWith('>')) return { ok: false, incomplete: true, issues: [] };
  return { ok: true, incomplete: false, issues: [] };
}
const isIgnoredPath = (path: string): boolean => path.split('/').some((segment) => segment.startsWith('.'));

let redis: TestRedis;
let redisClient: Redis;
let hub: ListeningHub;
let LABEL = '';
let labelCounter = 0;
let root: string;
let state: string;
let role: AgentRole | undefined;

/** Every log line of the running publisher, parsed; tests wait on what the publisher said it saw. */
let logs: Array<Record<string, unknown>> = [];
/** Hub errors the publisher counted for the agent metrics, by code. */
let hubErrors: string[] = [];
const logged = (message: string, fields: Record<string, unknown> = {}): Array<Record<string, unknown>> =>
  logs.filter((line) => line.msg === message && Object.entries(fields).every(([key, value]) => line[key] === value));

async function start(options: { guard?: number; echo?: EchoFilter; serverRoot?: string; coreRules?: boolean; maxBytes?: number; hubClient?: HubClient; quietMs?: number } = {}): Promise<AgentRole> {
  const config = resolveConfig('agent', {
    file: { node_id: 'pub-1', server_root: options.serverRoot ?? root, state_dir: state, max_artifact_bytes: options.maxBytes ?? 5_242_880, publisher: { enabled: true, labels: [LABEL], mass_delete_guard: options.guard ?? 0.5, ...(options.quietMs === undefined ? {} : { quiet_ms: options.quietMs }) } },
    filePath: undefined, env: new Map(), flags: new Map(),
  });
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = { countHubError: (code: string) => void hubErrors.push(code), countBackgroundFailure: () => undefined };
  const deps = { config, logger, publisherMetrics: metrics, hub: options.hubClient ?? new HubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 }), echoFilter: options.echo ?? { isOwnWrite: () => false } };
  role = options.coreRules === true ? await startPublisher(deps) : await startPublisherWith(deps, { validate, isIgnoredPath });
  await waitFor(() => role?.isReady(), { message: 'publisher ready' });
  return role;
}

/** A client whose changesets reach the hub but whose replies are lost (a hub killed after its commit) while `lossy`. */
class LossyHubClient extends HubClient {
  lossy = true;
  readonly sent: ChangesetRequest[] = [];

  override async pushChangeset(label: string, changeset: ChangesetRequest): Promise<ChangesetResponse> {
    this.sent.push(changeset);
    const response = await super.pushChangeset(label, changeset);
    if (!this.lossy) return response;
    throw new UnavailableError('ARTISYNC_HUB_UNREACHABLE', 'hub unreachable: other side closed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
  }
}

/** A client that holds every changeset while `held` is set, as a slow hub would, and says which paths wait. */
class HeldHubClient extends HubClient {
  held = false;
  readonly waiting = new Set<string>();
  private release: Array<() => void> = [];

  override async pushChangeset(label: string, changeset: ChangesetRequest): Promise<ChangesetResponse> {
    if (this.held) {
      for (const change of changeset.changes) this.waiting.add(change.path);
      await new Promise<void>((resolve) => this.release.push(resolve));
    }
    return super.pushChangeset(label, changeset);
  }

  letGo(): void {
    this.held = false;
    for (const resolve of this.release.splice(0)) resolve();
  }
}

const xml = (name: string, extra = ''): string => `<api name="${name}">${extra}</api>\n`;
const hubHas = (path: string, content: string | undefined) => async () => (await hub.contents(LABEL))[path] === content;
const hubCount = async (): Promise<number> => Object.keys(await hub.contents(LABEL)).length;

beforeAll(async () => {
  redis = await TestRedis.start();
  redisClient = redis.client();
});

afterAll(async () => {
  redisClient.disconnect();
  await redis.destroy();
});

beforeEach(async () => {
  logs = [];
  hubErrors = [];
  labelCounter += 1;
  LABEL = `Label ${labelCounter}`;
  hub = await ListeningHub.start(redis);
  root = await makeTempDir('artisync-pub-root-');
  state = await makeTempDir('artisync-pub-state-');
  await mkdir(join(root, API), { recursive: true });
  await mkdir(join(root, 'executionplans'), { recursive: true });
});

afterEach(async () => {
  await role?.stop();
  role = undefined;
  await hub.down();
  await removeTempDir(root);
  await removeTempDir(state);
});

describe('publisher role', () => {
  it('pushes adds, editor-style saves, renames and deletes', async () => {
    await start();
    const a = `${API}/a.xml`;
    await writeFile(join(root, a), xml('a'));
    await waitFor(hubHas(a, xml('a')));
    await writeFile(join(root, API, '.a.xml.swp'), xml('a', 'v2'));
    await rename(join(root, API, '.a.xml.swp'), join(root, a));
    await waitFor(hubHas(a, xml('a', 'v2')));
    await rename(join(root, a), join(root, API, 'b.xml'));
    await waitFor(async () => (await hubHas(a, undefined)()) && hubHas(`${API}/b.xml`, xml('a', 'v2'))());
    await rm(join(root, API, 'b.xml'));
    await waitFor(async () => (await hubCount()) === 0);
    expect((await hub.client.history(LABEL, a)).length).toBe(3);
  });

  it('moves a whole folder in and out as puts and deletes', async () => {
    await start();
    const outside = await makeTempDir('artisync-pub-outside-');
    await writeTree(outside, { 'seq/s1.xml': '<sequence name="s1"/>', 'seq/s2.xml': '<sequence name="s2"/>' });
    await rename(join(outside, 'seq'), join(root, 'synapse-configs/default/sequences'));
    await waitFor(async () => (await hubCount()) === 2, { message: 'folder moved in' });
    await rename(join(root, 'synapse-configs/default/sequences'), join(outside, 'back'));
    await waitFor(async () => (await hubCount()) === 0, { message: 'folder moved out' });
    await removeTempDir(outside);
  });

  it('deletes the files of a folder moved away and straight back while their puts were in flight', async () => {
    const client = new HeldHubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 });
    await writeTree(root, { [`${API}/m1.xml`]: xml('m1'), [`${API}/m2.xml`]: xml('m2') });
    await start({ hubClient: client, guard: 1 });
    await waitFor(async () => (await hubCount()) === 2, { message: 'baseline on the hub' });
    client.held = true;
    await rename(join(root, API), join(root, `${API}.moved`));
    await waitFor(() => client.waiting.has(`${API}.moved/m1.xml`), { message: 'the moved copies on their way to the hub' });
    await rename(join(root, `${API}.moved`), join(root, API));
    client.letGo();
    await waitFor(async () => Object.keys(await hub.contents(LABEL)).sort().join() === [`${API}/m1.xml`, `${API}/m2.xml`].join(), {
      message: 'the hub back to the api files only, the moved copies deleted',
    });
  });

  it('publishes a file written in chunks only once it is complete', async () => {
    const client = new LossyHubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 });
    client.lossy = false;
    // The core validator decides what is complete; each chunk stays on disk until the publisher has looked at it,
    // which is longer than quiet_ms, so only the validator (not the quiet window) keeps a partial file back.
    await start({ coreRules: true, quietMs: 50, hubClient: client });
    const path = `${API}/slow.xml`;
    const complete = '<api xmlns="http://ws.apache.org/ns/synapse" name="slow" context="/slow">\n  <resource methods="GET"/>\n</api>\n';
    for (const chunk of [complete.slice(0, 30), complete.slice(0, 80)]) {
      await writeFile(join(root, path), chunk);
      await waitFor(() => logged('incomplete file: waiting for the rest', { path, sha256: sha256Of(Buffer.from(chunk)) }).length > 0, { message: `publisher saw ${chunk.length} bytes` });
    }
    await writeFile(join(root, path), complete);
    await waitFor(hubHas(path, complete));
    expect(await hub.client.history(LABEL, path)).toHaveLength(1);
    const pushed = client.sent.flatMap((changeset) => changeset.changes).filter((change) => change.path === path);
    expect(pushed.map((change) => Buffer.from(change.content ?? '').toString('utf8'))).toEqual([complete]);
  });

  it('retries a hub error with backoff, logs it once as a hub error (not unreachable) and counts it', async () => {
    await start();
    // A stream key of the wrong type makes the hub's commit script fail: the hub answers 500 ARTISYNC_INTERNAL.
    const streamKey = redisKeys.stream(LABEL);
    await redisClient.set(streamKey, 'not a stream');
    await writeFile(join(root, `${API}/a.xml`), xml('a'));
    await waitFor(() => hubErrors.length >= 3, { timeoutMs: 10_000, message: 'retried hub errors' });
    expect(new Set(hubErrors)).toEqual(new Set(['ARTISYNC_INTERNAL']));
    expect(logged('hub error; changes kept pending and retried', { code: 'ARTISYNC_INTERNAL' })).toHaveLength(1);
    expect(logs.filter((line) => String(line.msg).includes('unreachable'))).toEqual([]);
    await redisClient.del(streamKey);
    await waitFor(hubHas(`${API}/a.xml`, xml('a')), { timeoutMs: 10_000 });
  });

  it('reports an invalid file once, does not push it, and pushes it once fixed', async () => {
    const current = await start();
    const path = `${API}/bad.xml`;
    await writeFile(join(root, path), '<api>\nINVALID</api>');
    await waitFor(() => (current.report().invalid ?? []).length === 1);
    expect(current.report().invalid?.[0]?.message).toBe(`${path}:2:3: bad`);
    expect((await hub.contents(LABEL))[path]).toBeUndefined();
    await writeFile(join(root, path), xml('bad'));
    await waitFor(hubHas(path, xml('bad')));
    await waitFor(() => (current.report().invalid ?? []).length === 0);
  });

  it('sends a burst as few changesets, each with many items', async () => {
    await start();
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${API}/burst${i}.xml`, xml(`burst${i}`)]));
    await writeTree(root, files);
    await waitFor(async () => (await hubCount()) === 300, { message: '300 files' });
    expect(await hub.changesets(LABEL, redisClient)).toBeLessThan(100);
  });

  it('publishes every file of a folder copied in whole, even those written before the folder was watched', async () => {
    await start();
    const staging = await makeTempDir('artisync-staging-');
    try {
      const files = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`sequences/s${i}.xml`, `<sequence xmlns="http://ws.apache.org/ns/synapse" name="s${i}"/>`]));
      await writeTree(staging, files);
      await execa('cp', ['-r', join(staging, 'sequences'), join(root, 'synapse-configs/default/')]);
      await waitFor(async () => (await hubCount()) === 200, { message: '200 files', timeoutMs: 20_000 });
    } finally {
      await removeTempDir(staging);
    }
  });

  it('keeps changes pending while the hub is down, across a restart, and sends them when it is back', async () => {
    await start();
    await hub.down();
    await writeFile(join(root, `${API}/while-down.xml`), xml('down'));
    await waitFor(() => role?.report().pending === 1);
    await waitFor(async () => (await readFile(join(state, 'publisher-journal.json'), 'utf8')).includes('while-down.xml'));
    await role?.stop();
    role = undefined;
    const restarted = await start();
    expect(restarted.report().pending).toBeGreaterThanOrEqual(1);
    await hub.up();
    await waitFor(hubHas(`${API}/while-down.xml`, xml('down')), { timeoutMs: 40_000 });
    await waitFor(() => restarted.report().pending === 0);
  });

  it('sends a delete or rename of a file whose put the hub committed without the reply getting back', async () => {
    const client = new LossyHubClient({ hubUrl: hub.url, token: undefined, node: 'pub-1', timeoutMs: 2000 });
    // Two deletes of a two-file label: the mass-deletion guard is off for this small label (its tests are its own).
    const current = await start({ hubClient: client, guard: 1 });
    const [gone, moved] = [`${API}/gone.xml`, `${API}/moved.xml`];
    await writeFile(join(root, gone), xml('gone'));
    await writeFile(join(root, moved), xml('moved'));
    await waitFor(async () => (await hubHas(gone, xml('gone'))()) && hubHas(moved, xml('moved'))());
    const deletesSent = (): boolean => [gone, moved].every((path) => client.sent.some((changeset) => changeset.changes.some((change) => change.op === 'delete' && change.path === path)));
    await rm(join(root, gone));
    await rename(join(root, moved), join(root, API, 'renamed.xml'));
    const settledUnsent = async (): Promise<boolean> => {
      const journal = JSON.parse(await readFile(join(state, 'publisher-journal.json'), 'utf8')) as { pending: string[] };
      return !journal.pending.includes(gone) && !journal.pending.includes(moved);
    };
    // Either the deletes went out (and got no answer) or the publisher settled the paths without sending them.
    await waitFor(async () => deletesSent() || settledUnsent(), { message: 'deletes handled' });
    client.lossy = false;
    await waitFor(async () => (await hubHas(gone, undefined)()) && (await hubHas(moved, undefined)()) && hubHas(`${API}/renamed.xml`, xml('moved'))(), { timeoutMs: 20_000, message: 'deletes reached the hub' });
    await waitFor(() => current.report().pending === 0);
  });

  it('pushes what changed while it was stopped, and the mass-deletion guard holds back deletes', async () => {
    for (let i = 0; i < 4; i += 1) await hub.seed(LABEL, `${API}/old${i}.xml`, xml(`old${i}`));
    await writeTree(root, { [`${API}/old0.xml`]: xml('old0', 'changed'), [`${API}/new.xml`]: xml('new') });
    await start({ guard: 0.5 });
    await waitFor(hubHas(`${API}/new.xml`, xml('new')));
    await waitFor(hubHas(`${API}/old0.xml`, xml('old0', 'changed')));
    expect(await hubCount()).toBe(5);
    await role?.stop();
    await start({ guard: 1 });
    await waitFor(async () => (await hubCount()) === 2, { message: 'deletes allowed with guard 1' });
  });

  it('never pushes back what the gateway side wrote', async () => {
    const echoed = new Set<string>();
    await start({ echo: { isOwnWrite: (path) => echoed.has(path) } });
    echoed.add(`${API}/from-gateway.xml`);
    await writeFile(join(root, `${API}/from-gateway.xml`), xml('gw'));
    await writeFile(join(root, `${API}/local.xml`), xml('local'));
    await waitFor(hubHas(`${API}/local.xml`, xml('local')));
    expect((await hub.contents(LABEL))[`${API}/from-gateway.xml`]).toBeUndefined();
  });

  it('after the gateway side wrote a newer head, a local edit is not taken for a conflict', async () => {
    await hub.down();
    hub = await ListeningHub.start(redis, { conflictPolicy: 'reject' });
    const path = `${API}/shared.xml`;
    await hub.seed(LABEL, path, xml('shared'));
    await writeTree(root, { [path]: xml('shared') });
    const fromGateway = sha256Of(Buffer.from(xml('shared', 'v2')));
    const current = await start({ echo: { isOwnWrite: (candidate, sha) => candidate === path && sha === fromGateway } });
    await hub.seed(LABEL, path, xml('shared', 'v2'));
    await writeFile(join(root, path), xml('shared', 'v2'));
    await writeFile(join(root, `${API}/marker.xml`), xml('marker'));
    await waitFor(hubHas(`${API}/marker.xml`, xml('marker')));
    await writeFile(join(root, path), xml('shared', 'local v3'));
    await waitFor(hubHas(path, xml('shared', 'local v3')));
    expect(current.report().conflicts).toEqual([]);
  });

  it('reports a conflict the hub refuses and keeps the local file', async () => {
    await hub.down();
    hub = await ListeningHub.start(redis, { conflictPolicy: 'reject' });
    await hub.seed(LABEL, `${API}/c.xml`, xml('c'));
    await writeTree(root, { [`${API}/c.xml`]: xml('c') });
    const current = await start();
    await hub.seed(LABEL, `${API}/c.xml`, xml('c', 'other node'));
    await writeFile(join(root, `${API}/c.xml`), xml('c', 'mine'));
    await waitFor(() => (current.report().conflicts ?? []).length === 1);
    expect(current.report().conflicts?.[0]).toMatchObject({ path: `${API}/c.xml`, label: LABEL });
    expect(await readFile(join(root, `${API}/c.xml`), 'utf8')).toBe(xml('c', 'mine'));
  });

  it('waits for a server root that does not exist yet', async () => {
    const later = join(root, 'later');
    await start({ serverRoot: later });
    await writeTree(later, { 'executionplans/p.siddhiql': '@Plan:name("p") <x>' });
    await waitFor(async () => (await hub.contents(LABEL))['executionplans/p.siddhiql'] !== undefined, { timeoutMs: 10_000 });
  });

  it('refuses a file over max_artifact_bytes without reading it', async () => {
    const current = await start({ maxBytes: 1000 });
    await writeFile(join(root, `${API}/huge.xml`), xml('huge', 'x'.repeat(2000)));
    await waitFor(() => current.report().invalid?.[0]?.code === 'ARTISYNC_TOO_LARGE');
    expect(await hubCount()).toBe(0);
  });

  it('never reads a file through a symbolic link', async () => {
    const current = await start();
    const secret = join(state, 'secret.xml');
    await writeFile(secret, xml('secret'));
    await symlink(secret, join(root, `${API}/link.xml`));
    await writeFile(join(root, `${API}/plain.xml`), xml('plain'));
    await waitFor(hubHas(`${API}/plain.xml`, xml('plain')));
    await waitFor(() => (current.report().invalid ?? []).some((item) => item.path === `${API}/link.xml`));
    expect((await hub.contents(LABEL))[`${API}/link.xml`]).toBeUndefined();
  });

  it('applies the core rules: a truncated artifact waits, a malformed one is reported, dotfiles never travel', async () => {
    const current = await start({ coreRules: true });
    const fixture = await readFile(join(import.meta.dirname, '../../../fixtures/synapse-configs/default/api/admin--kart1_v1.0.0.xml'), 'utf8');
    const path = `${API}/admin--kart1_v1.0.0.xml`;
    await writeFile(join(root, path), fixture.slice(0, Math.floor(fixture.length / 2)));
    await writeFile(join(root, `${API}/.hidden.xml`), fixture);
    await writeFile(join(root, `${API}/broken.xml`), '<api xmlns="http://ws.apache.org/ns/synapse" name="broken">\n  <resource></api>\n');
    await waitFor(() => (current.report().invalid ?? []).some((item) => item.path === `${API}/broken.xml`));
    expect(current.report().invalid?.find((item) => item.path === `${API}/broken.xml`)?.message).toMatch(/^synapse-configs\/default\/api\/broken\.xml:\d+:\d+: /);
    expect(current.report().invalid?.map((item) => item.path)).toEqual([`${API}/broken.xml`]);
    await copyFile(join(import.meta.dirname, '../../../fixtures/synapse-configs/default/api/admin--kart1_v1.0.0.xml'), join(root, path));
    await waitFor(hubHas(path, fixture));
    expect(await hub.client.history(LABEL, path)).toHaveLength(1);
    expect(Object.keys(await hub.contents(LABEL))).toEqual([path]);
  });
});
