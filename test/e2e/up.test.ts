// `artisync up` as a user runs it: the fixtures reach both gateways byte for byte, and Ctrl-C leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIgnoredName } from '../../core/ignored-file.js';
import { CLI_ENTRY, runCli } from '../support/cli-process.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const REPO = join(import.meta.dirname, '..', '..');
const SEEDED_TREES = ['synapse-configs', 'executionplans'];

/** Every file under `root`'s seeded trees, relative to root, skipping what never travels. */
async function listTree(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(root, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      const path = posix.join(relative, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  for (const tree of SEEDED_TREES) await walk(tree);
  return found.sort();
}

/** PIDs of processes whose command line mentions `dir`: everything `up` started names its folder. */
async function processesMentioning(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

describe('artisync up', () => {
  let dir = '';
  let up: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    dir = await makeTempDir('artisync-up-e2e-');
  });

  afterAll(async () => {
    if (up !== undefined && up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
    for (const pid of await processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    await removeTempDir(dir);
  });

  it('syncs the fixtures to both gateways and stops everything on SIGINT with exit 0', async () => {
    const fixtures = await listTree(join(REPO, 'fixtures'));
    expect(fixtures.length, 'fixtures/synapse-configs and fixtures/executionplans hold the demo artifacts').toBeGreaterThan(0);
    const demo = join(dir, 'demo');
    up = spawn(process.execPath, [CLI_ENTRY, 'up', '--dir', demo], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => up?.once('close', (code) => resolve(code)));

    await waitFor(async () => {
      if (up?.exitCode !== null) throw new Error(`up exited early:\n${output}`);
      for (const gateway of ['gateway-1', 'gateway-2']) {
        const root = join(demo, gateway);
        if ((await listTree(root)).join('\n') !== fixtures.join('\n')) return false;
        for (const path of fixtures) {
          const [want, got] = await Promise.all([readFile(join(REPO, 'fixtures', path)), readFile(join(root, path))]);
          if (!want.equals(got)) return false;
        }
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 200, message: 'fixtures on both gateways' });
    expect(output).toContain(join(demo, 'gateway-1'));
    expect(output).toContain('status --hub http://127.0.0.1:');
    expect(await processesMentioning(demo)).not.toEqual([]);
    expect(output, 'hints use the form this CLI was started with').toContain(`node dist/cli/main.js ls "Production and Sandbox"`);

    const second = await runCli(['up', '--dir', demo]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `artisync: artisync up is already running on ${demo} (PID ${up.pid}, lock ${join(demo, 'up.lock')}); stop it first (Ctrl-C there, or kill ${up.pid}) or pass another --dir\n`,
    );

    up.kill('SIGINT');
    expect(await exited, output).toBe(0);
    expect(await processesMentioning(demo)).toEqual([]);
  }, 120_000);

  it('stops everything, without an EPIPE crash, once the reader of its output is gone (`up | head -n 2`)', async () => {
    const demo = join(dir, 'piped');
    const errors = join(dir, 'piped.err');
    const pipeline = spawn('sh', ['-c', `"${process.execPath}" "${CLI_ENTRY}" up --dir "${demo}" 2>"${errors}" | head -n 2`], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let shown = '';
    pipeline.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const finished = new Promise<number | null>((resolve) => pipeline.once('close', (code) => resolve(code)));
    let done = false;
    void finished.then(() => (done = true));
    // up notices the closed pipe at its next line: a new artifact makes the gateways log, and up print, one.
    await waitFor(async () => {
      if (done) return true;
      const api = join(demo, 'publisher', 'synapse-configs', 'default', 'api');
      await writeFile(join(api, `Piped_${Date.now()}.xml`), '<api xmlns="http://ws.apache.org/ns/synapse" name="Piped" context="/piped"/>\n').catch(() => undefined);
      return false;
    }, { timeoutMs: 60_000, intervalMs: 500, message: 'up | head ends' });
    expect(await finished).toBe(0);
    expect(shown.split('\n').filter((line) => line !== '')).toHaveLength(2);
    await waitFor(async () => (await processesMentioning(demo)).length === 0, { timeoutMs: 20_000, message: 'nothing of up left running' });
    const stderr = await readFile(errors, 'utf8');
    expect(stderr).not.toMatch(/EPIPE|Error/);
  }, 120_000);

  it('exits 1 saying how to install redis-server when it is not on PATH', async () => {
    const run = await runCli(['up', '--dir', join(dir, 'no-redis')], { env: { PATH: join(dir, 'empty-path') } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('artisync: redis-server is not on PATH: install it (e.g. apt-get install redis-server) and run artisync up again\n');
  });
});
