// Hostile requests straight at a listening hub (real validator, real Redis): each gets its 4xx and the store stays byte-for-byte the same.
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactPath } from '../../core/artifact-path.js';
import { HUB_HEADERS, type ChangesetResponse, type ErrorBody, type PutResult } from '../../core/hub-api.js';
import { validateArtifact } from '../../core/validate-artifact.js';
import { buildHubApp } from '../../hub/hub-app.js';
import { createHubMetrics } from '../../hub/hub-metrics.js';
import { RedisArtifactStore } from '../../hub/store/redis-artifact-store.js';
import { RedisNodeRegistry } from '../../hub/store/redis-node-registry.js';
import { fullAccessTokens, TokenRegistry } from '../../hub/token-registry.js';
import { dumpStore, type StoreDump } from '../support/redis-dump.js';
import { TestRedis } from '../support/redis-server.js';

const TOKEN = 'hostile-test-token-0123456789';
const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/admin--Pizza_v1.0.0.xml';
const API_XML = '<api xmlns="http://ws.apache.org/ns/synapse" name="admin--Pizza" context="/pizza"><resource methods="GET"/></api>';
const MAX_ARTIFACT_BYTES = 64 * 1024;
const BAD = join(import.meta.dirname, '..', 'fixtures', 'bad', 'synapse-configs', 'default', 'api');

interface Reply {
  status: number;
  body: string;
  json: <T>() => T;
}

let redis: TestRedis;
let app: FastifyInstance;
let client: Redis;
let port: number;
let before: StoreDump;

/** Sends the request line exactly as given (node:http does not normalise `..` or `%2e`), optionally chunked. */
function send(method: string, rawPath: string, options: { headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...options.headers };
    for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
    const req = request({ host: '127.0.0.1', port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body, json: <T>() => JSON.parse(body) as T });
      });
    });
    // The hub may answer 413 and close before the whole body is sent; that reply is what the test wants.
    req.on('error', reject);
    if (options.chunked === true && options.body !== undefined) {
      const body = Buffer.from(options.body);
      for (let offset = 0; offset < body.length; offset += 64 * 1024) req.write(body.subarray(offset, offset + 64 * 1024));
    } else if (options.body !== undefined) {
      req.write(options.body);
    }
    req.end();
  });
}

const artifactUrl = (path: string, label = LABEL): string => `/v1/labels/${encodeURIComponent(label)}/artifact?path=${path}`;
const changesetUrl = `/v1/labels/${encodeURIComponent(LABEL)}/changesets`;
const errorCode = (reply: Reply): string => reply.json<ErrorBody>().error.code;
const json = { 'content-type': 'application/json' };

async function expectRefused(reply: Reply, status: number, code: string): Promise<void> {
  expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status, code });
  expect(await dumpStore(client)).toEqual(before);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  client = redis.client();
  const metrics = createHubMetrics();
  const now = (): number => Date.now();
  const store = new RedisArtifactStore(client, {
    historyLimit: 50, streamMaxlen: 1000, conflictPolicy: 'last-writer-wins', now,
    observeLatency: (operation, seconds) => metrics.redisLatency.observe({ operation }, seconds),
  });
  app = await buildHubApp({
    config: { max_artifact_bytes: MAX_ARTIFACT_BYTES, conflict_policy: 'last-writer-wins' },
    logger: pino({ level: 'silent' }), store, nodes: new RedisNodeRegistry(client, now),
    validate: (path: ArtifactPath, bytes, options) => validateArtifact(path, bytes, options),
    tokens: new TokenRegistry(fullAccessTokens(new Map([[TOKEN, 'pub-1']]))), metrics, now,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const seeded = await send('PUT', artifactUrl(encodeURIComponent(API)), { body: API_XML });
  expect(seeded.status).toBe(200);
});

afterAll(async () => {
  await app.close();
  client.disconnect();
  await redis.destroy();
});

beforeEach(async () => {
  before = await dumpStore(client);
  expect(Object.keys(before).length).toBeGreaterThan(3);
});

afterEach(async () => {
  expect(await dumpStore(client)).toEqual(before);
});

describe('paths that escape the trees', () => {
  const cases: Array<[string, string, string]> = [
    ['plain traversal', 'synapse-configs/default/../../../../etc/passwd', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['traversal at the start', '../conf/carbon.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['encoded dots %2e%2e', 'synapse-configs/default/api/%2e%2e/%2e%2e/%2e%2e/x.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['encoded slash ..%2f', 'synapse-configs/default/..%2f..%2f..%2fx.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['fully encoded %2e%2e%2f', 'synapse-configs%2fdefault%2f%2e%2e%2f%2e%2e%2fx.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['a single dot segment', 'synapse-configs/default/./api/x.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['absolute', '/etc/passwd', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['absolute inside a tree name', '%2Fsynapse-configs/default/api/x.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['backslashes', 'synapse-configs%5Cdefault%5C..%5C..%5Cx.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['mixed separators', 'synapse-configs/default/api/..%5C..%5C..%5Cx.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['NUL', 'synapse-configs/default/api/x.xml%00.txt', 'ARTISYNC_PATH_INVALID'],
    ['newline (log forging)', 'synapse-configs/default/api/x.xml%0A{"level":50}', 'ARTISYNC_PATH_INVALID'],
    ['outside the synced trees', 'repository/conf/carbon.xml', 'ARTISYNC_PATH_OUTSIDE_TREES'],
    ['the tree folder itself', 'synapse-configs/default', 'ARTISYNC_PATH_OUTSIDE_TREES'],
    ['empty segment', 'synapse-configs/default//api/x.xml', 'ARTISYNC_PATH_INVALID'],
    ['overlong path', `synapse-configs/default/api/${'a'.repeat(2000)}.xml`, 'ARTISYNC_PATH_INVALID'],
  ];
  for (const [name, path, code] of cases) {
    it(`refuses ${name} on PUT, DELETE and GET`, async () => {
      await expectRefused(await send('PUT', artifactUrl(path), { body: API_XML }), 400, code);
      await expectRefused(await send('DELETE', artifactUrl(path)), 400, code);
      await expectRefused(await send('GET', artifactUrl(path)), 400, code);
    });
  }

  it('refuses a changeset whose every item escapes, item by item, and commits nothing', async () => {
    const changes = cases.map(([, path]) => ({ op: 'put', path: decodeURIComponent(path), content: Buffer.from(API_XML).toString('base64') }));
    const reply = await send('POST', changesetUrl, { headers: json, body: JSON.stringify({ changes }) });
    expect(reply.status).toBe(200);
    const body = reply.json<ChangesetResponse>();
    expect(body.revision).toBeNull();
    expect(body.results.map((result) => result.status)).toEqual(cases.map(() => 400));
    expect(body.results.map((result) => result.error?.code)).toEqual(cases.map(([, , code]) => code));
  });

  it('refuses a rollback or history read through a traversal path', async () => {
    const rollback = await send('POST', `/v1/labels/${encodeURIComponent(LABEL)}/rollback`, {
      headers: json, body: JSON.stringify({ path: 'synapse-configs/default/../../x.xml', to: 1 }),
    });
    await expectRefused(rollback, 400, 'ARTISYNC_PATH_ESCAPES_TREE');
    await expectRefused(await send('GET', `/v1/labels/${encodeURIComponent(LABEL)}/history?path=..%2F..%2Fx.xml`), 400, 'ARTISYNC_PATH_ESCAPES_TREE');
  });

  it('does not serve a blob through a traversal sha256', async () => {
    const reply = await send('GET', '/v1/blobs/..%2F..%2Fetc%2Fpasswd');
    expect([400, 404]).toContain(reply.status);
  });
});

describe('bodies', () => {
  it('answers 413 to a body over max_artifact_bytes, declared or chunked', async () => {
    const huge = Buffer.alloc(MAX_ARTIFACT_BYTES * 16, 'a');
    await expectRefused(await send('PUT', artifactUrl(encodeURIComponent(API)), { body: huge }), 413, 'ARTISYNC_TOO_LARGE');
    await expectRefused(await send('PUT', artifactUrl(encodeURIComponent(API)), { body: huge, chunked: true }), 413, 'ARTISYNC_TOO_LARGE');
  });

  it('answers 422 to billion laughs, XXE and a DOCTYPE with the validator issues', async () => {
    for (const [file, code] of [['billion-laughs.xml', 'ARTISYNC_XML_ENTITY'], ['xxe.xml', 'ARTISYNC_XML_ENTITY'], ['doctype.xml', 'ARTISYNC_XML_DOCTYPE']] as const) {
      const reply = await send('PUT', artifactUrl(encodeURIComponent(API)), { body: await readFile(join(BAD, file)) });
      expect(reply.status, file).toBe(422);
      expect(reply.json<ErrorBody>().error.issues?.some((issue) => issue.code === code), file).toBe(true);
    }
  });

  it('answers 422 to an XML body with a NUL byte and to binary garbage', async () => {
    await expectRefused(await send('PUT', artifactUrl(encodeURIComponent(API)), { body: Buffer.from('<api name="x">\0</api>') }), 422, 'ARTISYNC_XML_MALFORMED');
    const garbage = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256));
    const reply = await send('PUT', artifactUrl(encodeURIComponent(API)), { body: garbage });
    expect(reply.status).toBe(422);
  });
});

describe('changeset bodies', () => {
  const malformed: Array<[string, string]> = [
    ['truncated JSON', '{"changes":[{"op":"put","path":"synapse-configs/default/api/a.xml","content":"PGFwaS8+"}'],
    ['not JSON at all', 'changes=all'],
    ['an array instead of an object', '[{"op":"put"}]'],
    ['changes not a list', '{"changes":{"op":"put"}}'],
    ['no changes', '{"changes":[]}'],
    ['an unknown op', '{"changes":[{"op":"rename","path":"synapse-configs/default/api/a.xml"}]}'],
    ['a negative base version', '{"changes":[{"op":"delete","path":"synapse-configs/default/api/a.xml","baseVersion":-1}]}'],
    ['a prototype-polluting key', '{"__proto__":{"changes":[]},"constructor":{"prototype":{"x":1}}}'],
  ];
  for (const [name, body] of malformed) {
    it(`answers 400 to ${name}`, async () => {
      await expectRefused(await send('POST', changesetUrl, { headers: json, body }), 400, 'ARTISYNC_BAD_REQUEST');
    });
  }

  it('answers per-item 400 to base64 garbage and commits no revision', async () => {
    const changes = ['!!!!', 'PGFwaS8', 'PG Fw aS8+', '\u00e9\u00e9\u00e9\u00e9', '====', 'PGFwaS8+PA==PA=='].map((content, i) => ({
      op: 'put', path: `synapse-configs/default/api/garbage${i}.xml`, content,
    }));
    const reply = await send('POST', changesetUrl, { headers: json, body: JSON.stringify({ changes }) });
    expect(reply.status).toBe(200);
    const body = reply.json<ChangesetResponse>();
    expect(body.revision).toBeNull();
    for (const result of body.results) expect({ status: result.status, code: result.error?.code }).toEqual({ status: 400, code: 'ARTISYNC_BAD_REQUEST' });
  });

  it('answers 415 to a changeset that is not JSON by content type', async () => {
    const body = JSON.stringify({ changes: [{ op: 'delete', path: API }] });
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      await expectRefused(await send('POST', changesetUrl, { headers: { 'content-type': type }, body }), 415, 'ARTISYNC_UNSUPPORTED_MEDIA_TYPE');
    }
  });
});

describe('tokens', () => {
  const wrong: Array<[string, string]> = [
    ['no header', ''],
    ['an empty bearer', 'Bearer '],
    ['a wrong token', 'Bearer not-the-token'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token plus a character', `Bearer ${TOKEN}x`],
    ['basic auth', `Basic ${Buffer.from(`pub-1:${TOKEN}`).toString('base64')}`],
    ['the token without a scheme', TOKEN],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
  ];
  for (const [name, authorization] of wrong) {
    it(`answers 401 with ${name}`, async () => {
      const headers = { authorization };
      await expectRefused(await send('PUT', artifactUrl(encodeURIComponent(API)), { headers, body: '<api name="evil"/>' }), 401, 'ARTISYNC_UNAUTHORIZED');
      await expectRefused(await send('DELETE', artifactUrl(encodeURIComponent(API)), { headers }), 401, 'ARTISYNC_UNAUTHORIZED');
      const changeset = JSON.stringify({ changes: [{ op: 'delete', path: API }] });
      await expectRefused(await send('POST', changesetUrl, { headers: { ...headers, ...json }, body: changeset }), 401, 'ARTISYNC_UNAUTHORIZED');
      await expectRefused(await send('GET', artifactUrl(encodeURIComponent(API)), { headers }), 401, 'ARTISYNC_UNAUTHORIZED');
    });
  }
});

describe('replayed request ids', () => {
  it('answers a replayed PUT with its first reply and makes no new version', async () => {
    const path = encodeURIComponent('synapse-configs/default/api/replayed.xml');
    const headers = { [HUB_HEADERS.requestId]: 'replay-put-1' };
    const first = await send('PUT', artifactUrl(path), { headers, body: API_XML.replace('Pizza', 'Replayed') });
    expect(first.status).toBe(200);
    before = await dumpStore(client);
    const replayed = await send('PUT', artifactUrl(path), { headers, body: API_XML.replace('Pizza', 'Other') });
    expect(replayed.status).toBe(200);
    expect(replayed.json<PutResult>()).toEqual(first.json<PutResult>());
    expect(await dumpStore(client)).toEqual(before);
  });

  it('answers a replayed changeset with its first reply and makes no new revision', async () => {
    const bodyWith = (name: string): string => JSON.stringify({
      requestId: 'replay-batch-1',
      changes: [{ op: 'put', path: 'synapse-configs/default/api/replayed-batch.xml', content: Buffer.from(API_XML.replace('Pizza', name)).toString('base64') }],
    });
    const first = await send('POST', changesetUrl, { headers: json, body: bodyWith('Batch') });
    expect(first.json<ChangesetResponse>().revision).not.toBeNull();
    before = await dumpStore(client);
    const replayed = await send('POST', changesetUrl, { headers: json, body: bodyWith('Changed') });
    expect(replayed.json<ChangesetResponse>()).toEqual(first.json<ChangesetResponse>());
  });
});

describe('labels', () => {
  it('keeps two labels apart even when label and path could be joined the same way in a key', async () => {
    const outerPath = 'synapse-configs/default/api/x.xml:synapse-configs/default/api/y.xml';
    const innerLabel = `${LABEL}:synapse-configs/default/api/x.xml`;
    const innerPath = 'synapse-configs/default/api/y.xml';
    const first = await send('PUT', artifactUrl(encodeURIComponent(outerPath)), { body: API_XML.replace('Pizza', 'Outer') });
    const second = await send('PUT', artifactUrl(encodeURIComponent(innerPath), innerLabel), { body: API_XML.replace('Pizza', 'Inner') });
    before = await dumpStore(client);
    if (second.status >= 400) {
      expect(second.status).toBe(400);
      return;
    }
    expect(first.status).toBe(200);
    const history = await send('GET', `/v1/labels/${encodeURIComponent(LABEL)}/history?path=${encodeURIComponent(outerPath)}`);
    expect(history.json<unknown[]>()).toHaveLength(1);
  });
});

