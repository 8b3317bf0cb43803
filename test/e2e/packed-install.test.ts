// The documented install, end to end: `npm pack` of a fresh copy (prepack builds dist/), `npm install -g` of the tarball
// into a scratch prefix, then the installed `artisync` runs a hub, a publisher agent and `status` against a real Redis.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreeLoopbackPort } from '../../cli/free-port.js';
import { stopChild } from '../support/cli-process.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const LABEL = 'Packed';
const API = 'synapse-configs/default/api/Packed.xml';
const NOT_SHIPPED = new Set(['node_modules', 'dist', '.git', 'coverage']);

// No ARTISYNC_* leftovers from the caller's shell.
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ARTISYNC_')));
let work = '';
let redis: TestRedis;
const children: ChildProcess[] = [];

/** Starts the installed binary; its stdout and stderr are collected for failure messages. */
function startInstalled(bin: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CLEAN_ENV });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

beforeAll(async () => {
  work = await makeTempDir('artisync-packed-');
  redis = await TestRedis.start();
});

afterAll(async () => {
  for (const child of children) await stopChild(child);
  await redis.destroy();
  await removeTempDir(work);
});

describe('packed install', () => {
  it('packs a fresh copy, installs the tarball into a prefix, and runs hub, agent and status from prefix/bin/artisync', async () => {
    // A copy without dist/: what a fresh clone looks like, so the tarball has dist/ only if prepack built it.
    const source = join(work, 'source');
    await cp(REPO, source, { recursive: true, filter: (from) => !NOT_SHIPPED.has(relative(REPO, from).split(sep)[0] ?? '') });
    // The build tools only: what the tarball's install needs comes from the npm cache or registry.
    await symlink(await realpath(join(REPO, 'node_modules')), join(source, 'node_modules'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, maxBuffer: 32 * 1024 * 1024 });
    const tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]?.filename ?? '');
    const prefix = join(work, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: work });
    const bin = join(prefix, 'bin', 'artisync');

    const version = await run(bin, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const hubPort = await findFreeLoopbackPort();
    const hubUrl = `http://127.0.0.1:${hubPort}`;
    const hub = startInstalled(bin, ['hub', '--insecure', '--listen', `127.0.0.1:${hubPort}`, '--redis-url', redis.url]);
    await waitFor(async () => {
      if (hub.child.exitCode !== null) throw new Error(`installed hub exited:\n${hub.output()}`);
      return (await fetch(`${hubUrl}/healthz`).catch(() => undefined))?.ok === true;
    }, { timeoutMs: 20_000, message: 'installed hub /healthz' });

    const root = join(work, 'root');
    await mkdir(join(root, 'synapse-configs', 'default', 'api'), { recursive: true });
    await mkdir(join(root, 'executionplans'), { recursive: true });
    await writeFile(join(root, API), '<api xmlns="http://ws.apache.org/ns/synapse" name="Packed" context="/packed"/>\n');
    const agent = startInstalled(bin, [
      'agent', '--node-id', 'packed-pub', '--server-root', root, '--state-dir', join(work, 'state'), '--hub-url', hubUrl,
      '--redis-url', redis.url, '--admin-listen', '127.0.0.1:0', '--heartbeat-interval', '200', '--publisher-enabled', '--labels', LABEL,
    ]);
    await waitFor(async () => {
      if (agent.child.exitCode !== null) throw new Error(`installed agent exited:\n${agent.output()}`);
      const listed = await run(bin, ['ls', LABEL, '--json', '--hub', hubUrl]).catch(() => undefined);
      return listed?.stdout.includes(API) === true;
    }, { timeoutMs: 30_000, intervalMs: 300, message: 'the installed agent published its file' });

    const status = await waitFor(async () => {
      const answer = await run(bin, ['status', '--hub', hubUrl]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      return answer.stdout.includes('packed-pub') ? answer.stdout : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300, message: 'status lists the installed agent' });
    expect(status).toContain('publisher');
    expect(await readdir(join(prefix, 'lib', 'node_modules', 'artisync', 'dist'))).not.toContain('test');
  }, 300_000);
});
