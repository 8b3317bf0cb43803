// The hub's HTTP API over a real redis-server: every endpoint, auth, error statuses, and the agent's HubClient against it.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../client/hub-client.js';
import { ArtisyncError } from '../../core/errors.js';
import { HUB_HEADERS, type ChangesetResponse, type ErrorBody, type HistoryEntry, type NodeStatus, type PutResult, type Snapshot } from '../../core/hub-api.js';
import { digestOf } from '../../core/label-digest.js';
import { CHANGESET_FRAME_TYPE, encodeChangesetFrame } from '../../core/changeset-frame.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { warnIfRedisNotPersistent } from '../../hub/redis-persistence-check.js';
import { startTestHub, type TestHub } from '../support/hub-test-app.js';
import { TestRedis } from '../support/redis-server.js';

const TOKEN = 'tok-pub-1';
const auth = { authorization: `Bearer ${TOKEN}` };
const API = 'synapse-configs/default/api/Pizza.xml';
const EP = 'synapse-configs/default/endpoints/PizzaEP.xml';
const label = (name: string): string => encodeURIComponent(name);
const artifactUrl = (l: string, path: string, extra = ''): string => `/v1/labels/${label(l)}/artifact?path=${encodeURIComponent(path)}${extra}`;
const b64 = (value: string): string => Buffer.from(value).toString('base64');

let server: TestRedis;
let hub: TestHub;

async function put(l: string, path: string, body: string, headers: Record<string, string> = {}) {
  return hub.app.inject({ method: 'PUT', url: artifactUrl(l, path), payload: body, headers: { ...auth, 'content-type': 'application/octet-stream', ...headers } });
}

beforeAll(async () => {
  server = await TestRedis.start();
  hub = await startTestHub(server, { tokens: { [TOKEN]: 'pub-1' }, maxArtifactBytes: 2000 });
});

afterAll(async () => {
  await hub.close();
  await server.destroy();
});

describe('auth', () => {
  it('answers health probes without a token and 401 everything else', async () => {
    expect((await hub.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await hub.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    for (const url of ['/v1/labels', '/metrics', '/v1/nodes', `/v1/labels/x/snapshot`]) {
      const refused = await hub.app.inject({ url });
      expect(refused.statusCode).toBe(401);
      expect(refused.json<ErrorBody>().error.code).toBe('ARTISYNC_UNAUTHORIZED');
    }
    expect((await hub.app.inject({ url: '/v1/labels', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await hub.app.inject({ url: '/v1/labels', headers: auth })).statusCode).toBe(200);
  });
});

describe('artifact routes', () => {
  it('puts raw bytes, gets them back by head and version, deletes', async () => {
    const first = await put('Production and Sandbox', API, '<api name="a"/>');
    expect(first.statusCode).toBe(200);
    const result = first.json<PutResult>();
    expect(result).toMatchObject({ path: API, op: 'put', version: 1, unchanged: false, conflict: false });
    await put('Production and Sandbox', API, '<api name="b"/>');
    const head = await hub.app.inject({ url: artifactUrl('Production and Sandbox', API), headers: auth });
    expect(head.body).toBe('<api name="b"/>');
    expect(head.headers[HUB_HEADERS.version]).toBe('2');
    const old = await hub.app.inject({ url: artifactUrl('Production and Sandbox', API, '&version=1'), headers: auth });
    expect(old.body).toBe('<api name="a"/>');
    expect(old.headers[HUB_HEADERS.sha256]).toBe(result.sha256);
    const deleted = await hub.app.inject({ method: 'DELETE', url: artifactUrl('Production and Sandbox', API), headers: auth });
    expect(deleted.json()).toMatchObject({ op: 'delete', version: 3 });
    const gone = await hub.app.inject({ url: artifactUrl('Production and Sandbox', API), headers: auth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json<ErrorBody>().error.code).toBe('ARTISYNC_NOT_FOUND');
  });

  it('takes a JSON content type on the raw PUT as bytes too', async () => {
    const reply = await put('raw', 'synapse-configs/default/api/data.json', '{"a":1}', { 'content-type': 'application/json' });
    expect(reply.statusCode).toBe(200);
    const back = await hub.app.inject({ url: artifactUrl('raw', 'synapse-configs/default/api/data.json'), headers: auth });
    expect(back.body).toBe('{"a":1}');
  });

  it('makes no version for unchanged content and answers a retried request id with its first reply', async () => {
    const first = (await put('idem', EP, '<endpoint/>', { [HUB_HEADERS.requestId]: 'r-1' })).json<PutResult>();
    const retried = (await put('idem', EP, '<endpoint changed="yes"/>', { [HUB_HEADERS.requestId]: 'r-1' })).json<PutResult>();
    expect(retried).toEqual(first);
    const same = (await put('idem', EP, '<endpoint/>')).json<PutResult>();
    expect(same).toMatchObject({ version: 1, unchanged: true, revision: null });
    expect(await hub.redis.xlen(redisKeys.stream('idem'))).toBe(1);
  });

  it('keeps request ids of labels whose name and id split the same way at a colon apart', async () => {
    const first = await put('a', EP, '<endpoint first="yes"/>', { [HUB_HEADERS.requestId]: 'b:X' });
    const second = await put('a:b', EP, '<endpoint second="yes"/>', { [HUB_HEADERS.requestId]: 'X' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(await hub.redis.xlen(redisKeys.stream('a:b')), 'the second commit got the first one\'s cached reply').toBe(1);
    const head = await hub.app.inject({ url: artifactUrl('a:b', EP), headers: auth });
    expect(head.body).toBe('<endpoint second="yes"/>');
  });

  it.each([
    ['../etc/passwd', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['/synapse-configs/default/api/a.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['repository/conf/carbon.xml', 'ARTISYNC_PATH_OUTSIDE_TREES'],
  ])('refuses path %s with 400', async (path, code) => {
    const reply = await put('bad', path, '<api/>');
    expect(reply.statusCode).toBe(400);
    expect(reply.json<ErrorBody>().error).toMatchObject({ code, subject: path });
  });

  it('refuses a missing path, a bad version and a bad base version with 400', async () => {
    expect((await hub.app.inject({ method: 'PUT', url: '/v1/labels/bad/artifact', payload: 'x', headers: auth })).statusCode).toBe(400);
    expect((await hub.app.inject({ url: artifactUrl('bad', API, '&version=abc'), headers: auth })).statusCode).toBe(400);
    expect((await put('bad', API, '<api/>', { [HUB_HEADERS.baseVersion]: '-1' })).statusCode).toBe(400);
  });

  it('refuses a body over max_artifact_bytes with 413', async () => {
    const reply = await put('big', API, `<api>${'x'.repeat(3000)}</api>`);
    expect(reply.statusCode).toBe(413);
    expect(reply.json<ErrorBody>().error.code).toBe('ARTISYNC_TOO_LARGE');
  });

  it('refuses invalid content with 422 and its issues, and lets warnings through', async () => {
    const broken = await put('inv', API, '<api>BROKEN</api>');
    expect(broken.statusCode).toBe(422);
    const body = broken.json<ErrorBody>();
    expect(body.error.code).toBe('ARTISYNC_XML_MALFORMED');
    expect(body.error.issues?.[0]).toMatchObject({ code: 'ARTISYNC_XML_MALFORMED', severity: 'error', line: 1, column: 1 });
    expect((await put('inv', API, '<api>PARTIAL')).json()).toMatchObject({ error: { code: 'ARTISYNC_INCOMPLETE' } });
    expect((await put('inv', API, '<api>WARN</api>')).statusCode).toBe(200);
  });
});

describe('conflicts', () => {
  it('answers 409 under reject and records the conflict under last-writer-wins', async () => {
    const strict = await startTestHub(server, { conflictPolicy: 'reject' });
    try {
      const at = (body: string, base: string) => strict.app.inject({
        method: 'PUT', url: artifactUrl('strict', EP), payload: body, headers: { 'content-type': 'text/xml', [HUB_HEADERS.baseVersion]: base },
      });
      expect((await at('<endpoint v="1"/>', '0')).statusCode).toBe(200);
      expect((await at('<endpoint v="2"/>', '1')).statusCode).toBe(200);
      const refused = await at('<endpoint v="late"/>', '1');
      expect(refused.statusCode).toBe(409);
      expect(refused.json<ErrorBody>().error.code).toBe('ARTISYNC_CONFLICT');
    } finally {
      await strict.close();
    }
    await put('loose', EP, '<endpoint v="1"/>');
    await put('loose', EP, '<endpoint v="2"/>', { [HUB_HEADERS.baseVersion]: '1' });
    const late = (await put('loose', EP, '<endpoint v="late"/>', { [HUB_HEADERS.baseVersion]: '1' })).json<PutResult>();
    expect(late).toMatchObject({ version: 3, conflict: true });
  });
});

describe('changesets', () => {
  it('commits the valid items in one revision and gives the others their own status', async () => {
    const reply = await hub.app.inject({
      method: 'POST', url: '/v1/labels/cs/changesets', headers: auth,
      payload: {
        node: 'pub-1',
        changes: [
          { op: 'put', path: API, content: b64('<api/>') },
          { op: 'put', path: EP, content: b64('<endpoint/>') },
          { op: 'put', path: 'synapse-configs/default/sequences/bad.xml', content: b64('BROKEN') },
          { op: 'put', path: '../escape.xml', content: b64('<a/>') },
          { op: 'put', path: 'synapse-configs/default/sequences/big.xml', content: b64(`<s>${'y'.repeat(3000)}</s>`) },
          { op: 'put', path: API, content: b64('<api twice="1"/>') },
          { op: 'delete', path: 'synapse-configs/default/sequences/never.xml' },
        ],
      },
    });
    expect(reply.statusCode).toBe(200);
    const body = reply.json<ChangesetResponse>();
    expect(body.results.map((item) => item.status)).toEqual([200, 200, 422, 400, 413, 400, 200]);
    expect(body.results[0]?.result?.revision).toBe(body.revision);
    expect(body.results[6]?.result?.unchanged).toBe(true);
    expect(await hub.redis.xlen(redisKeys.stream('cs'))).toBe(1);
  });

  it('refuses a malformed body with 400 and a non-JSON body with 415', async () => {
    const malformed = await hub.app.inject({ method: 'POST', url: '/v1/labels/cs/changesets', headers: auth, payload: { changes: [] } });
    expect(malformed.statusCode).toBe(400);
    const text = await hub.app.inject({ method: 'POST', url: '/v1/labels/cs/changesets', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'x' });
    expect(text.statusCode).toBe(415);
    expect(text.json<ErrorBody>().error.code).toBe('ARTISYNC_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('changesets as frames (binary body)', () => {
  const post = (payload: Buffer) => hub.app.inject({
    method: 'POST', url: '/v1/labels/frames/changesets', headers: { ...auth, 'content-type': CHANGESET_FRAME_TYPE }, payload,
  });

  it('commits the bytes as sent, each item judged as in JSON', async () => {
    const reply = await post(Buffer.concat(encodeChangesetFrame({
      node: 'pub-1',
      changes: [
        { op: 'put', path: API, content: Buffer.from('<api frame="1"/>') },
        { op: 'put', path: 'synapse-configs/default/sequences/bad.xml', content: Buffer.from('BROKEN') },
        { op: 'delete', path: EP },
      ],
    })));
    expect(reply.statusCode).toBe(200);
    expect(reply.json<ChangesetResponse>().results.map((item) => item.status)).toEqual([200, 422, 200]);
    const head = (await hub.app.inject({ url: `/v1/labels/frames/artifact?path=${encodeURIComponent(API)}`, headers: auth })).body;
    expect(head).toBe('<api frame="1"/>');
  });

  it('refuses a put without a size on its own, and a frame that does not add up as a whole', async () => {
    const header = Buffer.from(JSON.stringify({ changes: [{ op: 'put', path: API }] }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    const sizeless = await post(Buffer.concat([length, header]));
    const [refused] = sizeless.json<ChangesetResponse>().results;
    expect(refused).toMatchObject({ status: 400, error: { code: 'ARTISYNC_BAD_REQUEST' } });
    expect(refused?.error?.message).toMatch(/needs content/);

    const chunks = encodeChangesetFrame({ changes: [{ op: 'put', path: API, content: Buffer.from('<api/>') }] });
    const cutShort = await post(Buffer.concat(chunks).subarray(0, -2));
    expect(cutShort.statusCode).toBe(400);
    expect(cutShort.json<ErrorBody>().error.message).toMatch(/changeset frame: the puts' sizes add up to 6 bytes but 4 follow/);

    const badHeader = Buffer.from(JSON.stringify({ changes: [{ op: 'move', path: API }] }));
    length.writeUInt32BE(badHeader.length);
    const wrongOp = await post(Buffer.concat([length, badHeader]));
    expect(wrongOp.statusCode).toBe(400);
    expect(wrongOp.json<ErrorBody>().error.message).toMatch(/^changeset frame header: changes\.0\.op/);
  });
});

describe('label reads', () => {
  it('serves snapshot, digest, labels and blobs', async () => {
    const snapshot = (await hub.app.inject({ url: '/v1/labels/cs/snapshot', headers: auth })).json<Snapshot>();
    expect(snapshot.artifacts.map((head) => head.path)).toEqual([API, EP]);
    expect(snapshot.digest).toBe(digestOf(snapshot.artifacts.map((head) => [head.path, head.sha256] as const)));
    expect((await hub.app.inject({ url: '/v1/labels/cs/digest', headers: auth })).json()).toEqual({ label: 'cs', revision: snapshot.revision, digest: snapshot.digest, count: 2 });
    expect((await hub.app.inject({ url: '/v1/labels', headers: auth })).json()).toContain('cs');
    const blob = await hub.app.inject({ url: `/v1/blobs/${snapshot.artifacts[0]?.sha256 ?? ''}`, headers: auth });
    expect(blob.body).toBe('<api/>');
    expect((await hub.app.inject({ url: `/v1/blobs/${'0'.repeat(64)}`, headers: auth })).statusCode).toBe(404);
    expect((await hub.app.inject({ url: '/v1/blobs/nothex', headers: auth })).statusCode).toBe(400);
    expect((await hub.app.inject({ url: '/v1/labels/empty/snapshot', headers: auth })).json()).toMatchObject({ revision: '0-0', artifacts: [] });
  });

  it('serves the last version of every path, deleted ones included', async () => {
    await put('vers', API, '<api v="1"/>');
    await put('vers', API, '<api v="2"/>');
    await put('vers', EP, '<endpoint/>');
    await hub.app.inject({ method: 'DELETE', url: artifactUrl('vers', EP), headers: auth });
    expect((await hub.app.inject({ url: '/v1/labels/vers/versions', headers: auth })).json()).toEqual({ label: 'vers', versions: { [API]: 2, [EP]: 2 } });
    expect((await hub.app.inject({ url: '/v1/labels/none/versions', headers: auth })).json()).toEqual({ label: 'none', versions: {} });
  });
});

describe('history, diff and rollback', () => {
  it('lists versions, diffs previous to current or chosen versions, and rolls back', async () => {
    await put('hist', API, '<api>\n  <one/>\n</api>\n');
    await put('hist', API, '<api>\n  <two/>\n</api>\n');
    await put('hist', API, '<api>\n  <three/>\n</api>\n');
    const history = (await hub.app.inject({ url: `/v1/labels/hist/history?path=${encodeURIComponent(API)}`, headers: auth })).json<HistoryEntry[]>();
    expect(history.map((entry) => entry.version)).toEqual([3, 2, 1]);
    expect(history[0]?.node).toBe('pub-1');
    const diff = await hub.app.inject({ url: `/v1/labels/hist/diff?path=${encodeURIComponent(API)}`, headers: auth });
    expect(diff.headers['content-type']).toMatch(/^text\/plain/);
    expect(diff.body).toContain('-  <two/>');
    expect(diff.body).toContain('+  <three/>');
    const chosen = await hub.app.inject({ url: `/v1/labels/hist/diff?path=${encodeURIComponent(API)}&from=1&to=3`, headers: auth });
    expect(chosen.body).toContain('-  <one/>');
    expect(chosen.body).toContain(`${API}@v1`);
    const rolled = await hub.app.inject({ method: 'POST', url: '/v1/labels/hist/rollback', headers: auth, payload: { path: API, to: 1 } });
    expect(rolled.json()).toMatchObject({ version: 4, unchanged: false });
    const head = await hub.app.inject({ url: artifactUrl('hist', API), headers: auth });
    expect(head.body).toBe('<api>\n  <one/>\n</api>\n');
    expect((await hub.app.inject({ method: 'POST', url: '/v1/labels/hist/rollback', headers: auth, payload: { path: API, to: 99 } })).statusCode).toBe(404);
    expect((await hub.app.inject({ url: `/v1/labels/hist/history?path=${encodeURIComponent(EP)}`, headers: auth })).statusCode).toBe(404);
  });
});

const heartbeatOf = (node: string) => ({
  node, roles: ['gateway'], publisherLabels: [], gatewayLabels: { rep: { appliedRevision: '0-0', lag: 7 } },
  overrides: [], invalid: [], conflicts: [], pending: 0, ready: true,
});

async function replay(l: string, body: Record<string, string>) {
  return hub.app.inject({ method: 'POST', url: `/v1/labels/${label(l)}/replay`, headers: auth, payload: body });
}

async function groupNames(l: string): Promise<unknown[]> {
  if ((await hub.redis.exists(redisKeys.stream(l))) === 0) return [];
  return ((await hub.redis.xinfo('GROUPS', redisKeys.stream(l))) as unknown[][]).map((fields) => fields[1]);
}

describe('replay and nodes', () => {
  it('rewinds a node group from a revision or a time', async () => {
    await hub.app.inject({ method: 'POST', url: '/v1/nodes/heartbeat', headers: auth, payload: heartbeatOf('gw-1') });
    const outcome = (await put('rep', API, '<api r="1"/>')).json<PutResult>();
    const from = await hub.app.inject({ method: 'POST', url: '/v1/labels/rep/replay', headers: auth, payload: { node: 'gw-1', from: outcome.revision } });
    expect(from.json()).toEqual({ label: 'rep', node: 'gw-1', revision: outcome.revision });
    const groups = (await hub.redis.xinfo('GROUPS', redisKeys.stream('rep'))) as unknown[][];
    expect(groups[0]).toContain(consumerGroupName('gw-1'));
    expect(groups[0]?.[(groups[0]?.indexOf('lag') ?? 0) + 1]).toBe(1);
    const since = await hub.app.inject({ method: 'POST', url: '/v1/labels/rep/replay', headers: auth, payload: { node: 'gw-1', since: '1970-01-01T00:00:01Z' } });
    expect(since.json()).toMatchObject({ revision: '1000-0' });
    const neither = await hub.app.inject({ method: 'POST', url: '/v1/labels/rep/replay', headers: auth, payload: { node: 'gw-1' } });
    expect(neither.statusCode).toBe(400);
  });

  it('refuses an unknown node or label, a future time and a revision past the stream, creating nothing', async () => {
    const revision = (await put('rep-refuse', API, '<api r="1"/>')).json<PutResult>().revision ?? '';
    const refusals: Array<[string, Record<string, string>, number, string]> = [
      ['rep-refuse', { node: 'gw-nobody', from: revision }, 404, 'ARTISYNC_NODE_UNKNOWN'],
      ['no-such-label', { node: 'gw-1', from: '0-0' }, 404, 'ARTISYNC_LABEL_UNKNOWN'],
      ['rep-refuse', { node: 'gw-1', since: '2035-01-01T00:00:00Z' }, 400, 'ARTISYNC_TIME_IN_FUTURE'],
      ['rep-refuse', { node: 'gw-1', since: String(Date.now() + 60_000) }, 400, 'ARTISYNC_TIME_IN_FUTURE'],
      ['rep-refuse', { node: 'gw-1', from: `${Number(revision.split('-')[0]) + 1}-0` }, 409, 'ARTISYNC_REVISION_AHEAD'],
    ];
    for (const [l, body, status, code] of refusals) {
      const refused = await replay(l, body);
      expect(refused.statusCode, `${l} ${JSON.stringify(body)}`).toBe(status);
      expect(refused.json<ErrorBody>().error.code).toBe(code);
    }
    expect(await hub.redis.exists(redisKeys.stream('no-such-label'))).toBe(0);
    expect(await groupNames('rep-refuse')).toEqual([]);
  });

  it('accepts the stream head and a time within clock skew, leaving the group at the last entry', async () => {
    const revision = (await put('rep-edge', API, '<api r="1"/>')).json<PutResult>().revision ?? '';
    expect((await replay('rep-edge', { node: 'gw-1', from: revision })).statusCode).toBe(200);
    expect((await replay('rep-edge', { node: 'gw-1', since: String(Date.now() + 2_000) })).statusCode).toBe(200);
    const groups = (await hub.redis.xinfo('GROUPS', redisKeys.stream('rep-edge'))) as unknown[][];
    const fields = groups[0] ?? [];
    expect(fields[fields.indexOf('last-delivered-id') + 1]).toBe(revision);
    // A node with a group but no heartbeat (its hash entry gone) is still known by its group.
    await hub.redis.hdel(redisKeys.nodes(), 'gw-1');
    expect((await replay('rep-edge', { node: 'gw-1', from: '0-0' })).statusCode).toBe(200);
    await hub.app.inject({ method: 'POST', url: '/v1/nodes/heartbeat', headers: auth, payload: heartbeatOf('gw-1') });
  });

  it('stores heartbeats and lists nodes with lastSeen', async () => {
    const heartbeat = heartbeatOf('gw-1');
    expect((await hub.app.inject({ method: 'POST', url: '/v1/nodes/heartbeat', headers: auth, payload: heartbeat })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'POST', url: '/v1/nodes/heartbeat', headers: auth, payload: { node: 'x' } })).statusCode).toBe(400);
    const nodes = (await hub.app.inject({ url: '/v1/nodes', headers: auth })).json<NodeStatus[]>();
    expect(nodes[0]).toMatchObject({ node: 'gw-1', ready: true });
    expect(nodes[0]?.lastSeen).toBeGreaterThan(0);
    // The lag is the gateway's own (it knows its applied revision); the hub reads no XINFO GROUPS per label and node.
    expect(nodes[0]?.gatewayLabels.rep?.lag).toBe(7);
  });
});

describe('metrics', () => {
  it('counts requests, versions, conflicts, rejects and Redis latency', async () => {
    const text = (await hub.app.inject({ url: '/metrics', headers: auth })).body;
    expect(text).toMatch(/artisync_hub_requests_total\{route="\/v1\/labels\/:label\/artifact",method="PUT",status="200"\} \d+/);
    expect(text).toMatch(/artisync_hub_versions_written_total\{label="hist"\} 4/);
    expect(text).toMatch(/artisync_hub_conflicts_total\{label="loose"\} 1/);
    expect(text).toMatch(/artisync_hub_rejects_total\{code="ARTISYNC_TOO_LARGE"\} \d+/);
    expect(text).toMatch(/artisync_hub_redis_latency_seconds_count\{operation="commit"\} \d+/);
  });
});

describe('HubClient against a listening hub', () => {
  let address = '';
  beforeAll(async () => {
    address = await hub.app.listen({ host: '127.0.0.1', port: 0 });
  });

  it('gets exactly the replies the agent and CLI expect', async () => {
    const client = new HubClient({ hubUrl: address, token: TOKEN, node: 'pub-1' });
    const result = await client.putArtifact('client', EP, Buffer.from('<endpoint c="1"/>'), { requestId: 'c-1' });
    expect(result.version).toBe(1);
    expect((await client.getArtifact('client', EP)).toString()).toBe('<endpoint c="1"/>');
    const changeset = await client.pushChangeset('client', { changes: [{ op: 'put', path: API, content: Buffer.from('<api c="1"/>') }, { op: 'delete', path: EP }] });
    expect(changeset.results.map((item) => item.status)).toEqual([200, 200]);
    expect((await client.snapshot('client')).artifacts.map((head) => head.path)).toEqual([API]);
    expect((await client.history('client', EP)).map((entry) => entry.op)).toEqual(['delete', 'put']);
    expect(await client.diff('client', API)).toContain('+<api c="1"/>');
    expect((await client.digest('client')).count).toBe(1);
    await expect(client.putArtifact('client', API, Buffer.from('<api>BROKEN</api>'))).rejects.toMatchObject({ code: 'ARTISYNC_XML_MALFORMED' });
    await expect(new HubClient({ hubUrl: address, token: 'nope' }).labels()).rejects.toBeInstanceOf(ArtisyncError);
    await expect(new HubClient({ hubUrl: address, token: 'nope' }).labels()).rejects.toMatchObject({ code: 'ARTISYNC_UNAUTHORIZED' });
  });

  it('orders 200 concurrent puts on one path from two clients into versions 1..200 with one event each', async () => {
    const hubUrl = address;
    const clients = [new HubClient({ hubUrl, token: TOKEN, node: 'pub-a' }), new HubClient({ hubUrl, token: TOKEN, node: 'pub-b' })];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      (clients[i % 2] as HubClient).putArtifact('http-race', API, Buffer.from(`<api i="${i}"/>`))));
    expect(results.map((result) => result.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await hub.redis.xlen(redisKeys.stream('http-race'))).toBe(200);
    const history = await clients[0]?.history('http-race', API) ?? [];
    expect(history.map((entry) => entry.version)).toEqual(Array.from({ length: 50 }, (_, i) => 200 - i));
  });
});

describe('Redis persistence check', () => {
  it('reports persistence off, and tolerates an ACL that forbids CONFIG', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => { logged.push(line); } });
    expect(await warnIfRedisNotPersistent(hub.redis, logger)).toBe(false);
    expect(logged.join('')).toContain('Redis persistence is off');
    await hub.redis.acl('SETUSER', 'limited', 'on', '>pw', '~*', '+@all', '-config');
    const limited = new Redis({ port: server.port, host: '127.0.0.1', username: 'limited', password: 'pw' });
    try {
      expect(await warnIfRedisNotPersistent(limited, logger)).toBe(true);
      expect(logged.join('')).toContain('cannot read Redis persistence settings');
    } finally {
      limited.disconnect();
    }
  });
});

describe('readiness', () => {
  it('answers 503 on /readyz when Redis is gone', async () => {
    const lonely = await TestRedis.start();
    const lonelyHub = await startTestHub(lonely);
    lonelyHub.redis.on('error', () => undefined); // connection refusals are the point of this test
    try {
      await lonely.kill();
      const reply = await lonelyHub.app.inject({ url: '/readyz' });
      expect(reply.statusCode).toBe(503);
      expect(reply.json<ErrorBody>().error.code).toBe('ARTISYNC_REDIS_UNAVAILABLE');
    } finally {
      await lonelyHub.close();
      await lonely.destroy();
    }
  });
});
