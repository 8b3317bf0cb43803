// The built CLI's plain answers: --version, unknown labels, `labels`, import of a wrong folder, flag checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, runCli, stopChild } from '../support/cli-process.js';
import { findFreeLoopbackPort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir, writeTree } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const TOKEN = 'answers-token';
const LABEL = 'Alpha';
const API = 'synapse-configs/default/api/Pizza.xml';
const PLAN = 'executionplans/throttle.siddhiql';
const FILES: Record<string, string> = {
  [API]: '<api xmlns="http://ws.apache.org/ns/synapse" name="Pizza" context="/pizza"><resource methods="GET" uri-template="/menu"/></api>\n',
  [PLAN]: "@Plan:name('throttle')\ndefine stream RequestStream (messageID string);\n",
};

let redis: TestRedis;
let hub: ChildProcess;
let hubUrl = '';
let workDir = '';
const hubArgs = (): string[] => ['--hub', hubUrl, '--token', TOKEN];

beforeAll(async () => {
  workDir = await makeTempDir('artisync-answers-');
  redis = await TestRedis.start();
  const port = await findFreeLoopbackPort();
  const tokensFile = join(workDir, 'tokens');
  await writeFile(tokensFile, `cli-answers ${TOKEN}\n`);
  hubUrl = `http://127.0.0.1:${port}`;
  hub = spawn(process.execPath, [CLI_ENTRY, 'hub', '--listen', `127.0.0.1:${port}`, '--redis-url', redis.url, '--tokens-file', tokensFile], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`${hubUrl}/healthz`)).ok, { timeoutMs: 20_000, message: 'hub /healthz' });
  await writeTree(join(workDir, 'root'), FILES);
  const seeded = await runCli(['import', '--label', LABEL, '--server-root', join(workDir, 'root'), ...hubArgs()]);
  expect(seeded.code, seeded.stderr).toBe(0);
});

afterAll(async () => {
  await stopChild(hub);
  await redis.destroy();
  await removeTempDir(workDir);
});

describe('--version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const run = await runCli([flag]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });
});

describe('unknown labels and `labels`', () => {
  it.each([
    [['ls', 'Alpah']],
    [['history', 'Alpah', API]],
    [['export', '--label', 'Alpah', '--out', 'OUT']],
  ])('%j exits 1 with one line naming the label and the known ones', async (args) => {
    const run = await runCli([...args.map((arg) => (arg === 'OUT' ? join(workDir, 'out') : arg)), ...hubArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`artisync: no label "Alpah" at the hub; known labels: "${LABEL}" (see artisync labels)\n`);
  });

  it('lists labels with artifact count and head revision, as a table and as JSON', async () => {
    const json = await runCli(['labels', '--json', ...hubArgs()]);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ label: string; artifacts: number; revision: string }>;
    expect(rows.map(({ label, artifacts }) => ({ label, artifacts }))).toEqual([{ label: LABEL, artifacts: 2 }]);
    expect(rows[0]?.revision).toMatch(/^\d+-\d+$/);
    const table = await runCli(['labels', ...hubArgs()]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^LABEL\s+ARTIFACTS\s+REVISION$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${LABEL}\\s+2\\s+${rows[0]?.revision ?? ''}$`));
  });
});

describe('import of the wrong folder, import --dry-run', () => {
  it('refuses a folder one level too deep with exit 1 saying what it expected', async () => {
    const deep = join(workDir, 'root', 'synapse-configs');
    const run = await runCli(['import', '--label', LABEL, '--server-root', deep, ...hubArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `artisync: --server-root ${deep} holds neither synapse-configs/default nor executionplans nor userstores nor carbonapps; ` +
        'expected the server root (<API-M_HOME>/repository/deployment/server) that contains them\n',
    );
  });

  it('prints what would be created and updated and writes nothing', async () => {
    const before = await runCli(['ls', LABEL, '--json', ...hubArgs()]);
    const root = join(workDir, 'dry');
    const added = 'synapse-configs/default/sequences/extra.xml';
    await writeTree(root, { [API]: (FILES[API] ?? '').replace('/pizza', '/pizza2'), [added]: '<sequence xmlns="http://ws.apache.org/ns/synapse" name="extra"/>\n' });
    const run = await runCli(['import', '--label', LABEL, '--server-root', root, '--dry-run', ...hubArgs()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      `would create ${added}\nwould update ${API}\n` +
        `dry run, nothing written to ${LABEL}: 1 would be created, 1 updated, 0 unchanged, 0 deleted ` +
        '(import never deletes: 1 artifacts of the label not in the tree stay)\n',
    );
    const after = await runCli(['ls', LABEL, '--json', ...hubArgs()]);
    expect(after.stdout).toBe(before.stdout);
  });
});

describe('node-local flag checks', () => {
  it.each([['verify'], ['override', 'list'], ['redeploy', API]])('%s --admin notaurl exits 2 naming the flag', async (...command) => {
    const run = await runCli([...command, '--admin', 'notaurl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('artisync: --admin "notaurl" is not an http(s) URL (e.g. http://127.0.0.1:7421)\n');
  });
});

describe('config errors in plain words', () => {
  it('says server_root is required, naming the file, the flag and the variable, with exit 2', async () => {
    const config = join(workDir, 'no-root.toml');
    await writeFile(config, 'node_id = "gw-1"\n[gateway]\nenabled = true\ngateway_labels = ["L"]\n');
    const run = await runCli(['agent', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`artisync: server_root is required: set it in ${config}, --server-root or ARTISYNC_SERVER_ROOT\n`);
  });

  it('names the bound a hub value breaks and where the value came from', async () => {
    const config = join(workDir, 'small-stream.toml');
    await writeFile(config, 'stream_maxlen = 5\ninsecure = true\n');
    const fromFile = await runCli(['hub', '--config', config]);
    expect(fromFile.stderr).toBe(`artisync: stream_maxlen must be at least 100, got 5 (config ${config})\n`);
    expect(fromFile.code).toBe(2);
    const fromEnv = await runCli(['hub', '--insecure'], { env: { ARTISYNC_STREAM_MAXLEN: '5' } });
    expect(fromEnv.stderr).toBe('artisync: stream_maxlen must be at least 100, got 5 (from ARTISYNC_STREAM_MAXLEN)\n');
  });
});

describe('log_format', () => {
  async function firstLines(format: string): Promise<string> {
    const port = await findFreeLoopbackPort();
    const child = spawn(process.execPath, [CLI_ENTRY, 'hub', '--insecure', '--listen', `127.0.0.1:${port}`, '--redis-url', redis.url, '--log-format', format], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('hub listening'), { timeoutMs: 20_000, message: `hub listening (${format})` });
    } finally {
      await stopChild(child);
    }
    return output;
  }

  it('writes pretty lines with ISO-8601 UTC times, or one JSON object a line, whatever stdout is', async () => {
    const pretty = (await firstLines('pretty')).split('\n').find((line) => line.includes('hub listening')) ?? '';
    expect(pretty).toMatch(/^\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\] INFO: hub listening/);
    const json = (await firstLines('json')).split('\n').find((line) => line.includes('hub listening')) ?? '';
    expect(JSON.parse(json)).toMatchObject({ msg: 'hub listening', service: 'artisync-hub', level: 30 });
  });
});
