// The built agent refuses what cannot work at start: state_dir in server_root, a gateway without labels, a state_dir another agent holds.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreeLoopbackPort } from '../../cli/free-port.js';
import { CliDaemon, killAllCliDaemons } from '../support/cli-daemon.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

let dir = '';

beforeAll(async () => {
  dir = await makeTempDir('artisync-agent-guards-');
});

afterAll(async () => {
  await killAllCliDaemons();
  await removeTempDir(dir);
});

/** A publisher whose hub is unreachable keeps running (it retries), which is all the lock tests need. */
async function agentArgs(serverRoot: string, stateDir: string, extra: string[] = ['--publisher-enabled', '--labels', 'L']): Promise<string[]> {
  const hubPort = await findFreeLoopbackPort();
  const adminPort = await findFreeLoopbackPort();
  return ['agent', '--node-id', 'guard-1', '--server-root', serverRoot, '--state-dir', stateDir, '--hub-url', `http://127.0.0.1:${hubPort}`,
    '--admin-listen', `127.0.0.1:${adminPort}`, '--token', 't', ...extra];
}

async function refusal(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const agent = CliDaemon.start(args, { name: 'refused agent' });
  const { code } = await agent.exited;
  return { code, lines: agent.stderr.trim().split('\n') };
}

describe('config refusals at start', () => {
  it('exits 2 naming state_dir when it is server_root, inside it, or inside it through a symlink', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'synapse-configs', 'default'), { recursive: true });
    await symlink(root, join(dir, 'root-link'));
    for (const stateDir of [root, join(root, 'state'), join(dir, 'root-link', 'state')]) {
      const { code, lines } = await refusal(await agentArgs(root, stateDir));
      expect(code, stateDir).toBe(2);
      expect(lines).toEqual([expect.stringMatching(/^artisync: config key state_dir: .* must not be server_root/)]);
    }
  });

  it('exits 2 naming gateway_labels for a gateway with no label', async () => {
    const { code, lines } = await refusal(await agentArgs(join(dir, 'gw-root'), join(dir, 'gw-state'), ['--gateway-enabled']));
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^artisync: config key gateway\.gateway_labels: /)]);
  });
});

describe('state_dir lock', () => {
  it('refuses a second agent on the same state_dir naming the holder, and takes over the lock of a killed one', async () => {
    const root = join(dir, 'lock-root');
    const state = join(dir, 'lock-state');
    const first = CliDaemon.start(await agentArgs(root, state), { name: 'first agent' });
    await first.waitForLog((line) => line.msg === 'agent started');
    expect((await readFile(join(state, 'agent.lock'), 'utf8')).trim()).toBe(String(first.pid));
    const second = await refusal(await agentArgs(join(dir, 'lock-root-2'), state));
    expect(second.code).toBe(1);
    expect(second.lines).toEqual([expect.stringMatching(new RegExp(`^artisync: state_dir .* is in use by another agent \\(PID ${first.pid}`))]);
    expect(first.alive).toBe(true);
    await first.kill();
    const third = CliDaemon.start(await agentArgs(root, state), { name: 'third agent' });
    await third.waitForLog((line) => line.msg === 'took over a stale state_dir lock (its agent is gone)' && line.stalePid === first.pid);
    await third.waitForLog((line) => line.msg === 'agent started');
    expect((await readFile(join(state, 'agent.lock'), 'utf8')).trim()).toBe(String(third.pid));
    expect((await third.stop()).code).toBe(0);
    await waitFor(async () => (await readFile(join(state, 'agent.lock')).catch(() => null)) === null, { message: 'lock released on stop' });
  });

  it('takes over a lock holding no live PID', async () => {
    const state = join(dir, 'garbage-state');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'agent.lock'), 'not a pid\n');
    const agent = CliDaemon.start(await agentArgs(join(dir, 'garbage-root'), state), { name: 'agent over a garbage lock' });
    await agent.waitForLog((line) => line.msg === 'agent started');
    expect((await readFile(join(state, 'agent.lock'), 'utf8')).trim()).toBe(String(agent.pid));
    await agent.stop();
  });
});
