// The built `artisync hub` as a process: readiness, a put and a get, refusal without tokens, 401 with a tokens file.
import { readFile, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const REPO = join(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const API_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="http://ws.apache.org/ns/synapse" name="admin--PizzaShackAPI" context="/pizzashack/1.0.0"/>\n';
const ENV = { ARTISYNC_LOG_LEVEL: 'info' };

let redis: TestRedis;
let dir: string;
const children: ResultPromise[] = [];

function startHub(...args: string[]): { child: ResultPromise; output: () => string } {
  const child = execa('node', [CLI, 'hub', '--redis-url', redis.url, ...args], { cwd: REPO, reject: false, env: ENV, all: true });
  children.push(child);
  let output = '';
  child.all?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { child, output: () => output };
}

async function waitListening(output: () => string): Promise<{ address: string }> {
  const line = await waitFor(() => output().split('\n').find((candidate) => candidate.includes('"hub listening"')), { message: 'hub listening' });
  return JSON.parse(line) as { address: string };
}

beforeAll(async () => {
  redis = await TestRedis.start();
  dir = await makeTempDir('artisync-hub-e2e-');
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === undefined || child.exitCode === null) child.kill('SIGTERM');
    await child;
  }
});

afterAll(async () => {
  await redis.destroy();
  await removeTempDir(dir);
});

function getOverTls(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('artisync hub', () => {
  it('starts with --insecure, is ready, stores a put and serves it back, stops on SIGTERM', async () => {
    const port = await findFreePort();
    const hub = startHub('--insecure', '--listen', `127.0.0.1:${port}`);
    const listening = await waitListening(hub.output);
    expect(listening.address).toBe(`http://127.0.0.1:${port}`);
    expect(hub.output()).toContain('Redis persistence is off');
    const base = listening.address;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const url = `${base}/v1/labels/${encodeURIComponent('Production and Sandbox')}/artifact?path=${encodeURIComponent(API)}`;
    const put = await fetch(url, { method: 'PUT', body: API_XML, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ version: 1, unchanged: false });
    expect(await (await fetch(url)).text()).toBe(API_XML);
    const invalid = await fetch(url, { method: 'PUT', body: '<sequence/>', headers: { 'content-type': 'application/octet-stream' } });
    expect(invalid.status).toBe(422);
    hub.child.kill('SIGTERM');
    const result = await hub.child;
    expect(result.exitCode).toBe(0);
    expect(hub.output()).toContain('"hub stopped"');
  });

  it('refuses to start without tokens: exit 2 and one line', async () => {
    const result = await execa('node', [CLI, 'hub', '--redis-url', redis.url, '--listen', '127.0.0.1:1'], { cwd: REPO, reject: false, env: ENV });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^artisync: config key tokens_file: .*--insecure/);
  });

  it('warns that acknowledged commits can be lost, and with --require-durable-commits refuses to start: exit 2 naming the key', async () => {
    const port = await findFreePort();
    const hub = startHub('--insecure', '--listen', `127.0.0.1:${port}`);
    await waitListening(hub.output);
    expect(hub.output()).toContain('acknowledged commits can be lost');
    const result = await execa('node', [CLI, 'hub', '--redis-url', redis.url, '--insecure', '--listen', '127.0.0.1:1', '--require-durable-commits'], { cwd: REPO, reject: false, env: ENV });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^artisync: config key require_durable_commits: commits cannot be made durable: appendonly is no/);
  });

  it('answers 401 without a token and 200 with one from the tokens file', async () => {
    const tokensFile = join(dir, 'tokens');
    await writeFile(tokensFile, '# node tokens\n\npub-1 s3cret-token\n');
    const port = await findFreePort();
    const hub = startHub('--tokens-file', tokensFile, '--listen', `127.0.0.1:${port}`);
    const { address } = await waitListening(hub.output);
    expect((await fetch(`${address}/v1/labels`)).status).toBe(401);
    expect((await fetch(`${address}/v1/labels`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${address}/v1/labels`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect(hub.output()).not.toContain('s3cret-token');
  });

  it('serves HTTPS when tls_cert and tls_key are set', async () => {
    const cert = join(dir, 'hub.crt');
    const key = join(dir, 'hub.key');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
    const port = await findFreePort();
    const hub = startHub('--insecure', '--tls-cert', cert, '--tls-key', key, '--listen', `127.0.0.1:${port}`);
    const { address } = await waitListening(hub.output);
    expect(address).toBe(`https://127.0.0.1:${port}`);
    expect(await getOverTls(`${address}/readyz`, await readFile(cert))).toBe(200);
  });
});
