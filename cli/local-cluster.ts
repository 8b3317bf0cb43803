// `artisync up`'s cluster: a private redis-server, a hub, one publisher and two gateways, all under one folder.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../core/errors.js';
import { describeAgentLogLine } from './agent-log-line.js';
import { AGENT_NODE_FLAGS } from './agent-node-flags.js';
import { findFreeLoopbackPort } from './free-port.js';
import { LOCAL_AGENTS, localAgentToml, localHubToml, type LocalClusterLayout } from './local-cluster-config.js';
import { ManagedChild } from './managed-child.js';
import { redisAnswers } from './redis-probe.js';
import { createGatewayAclUser } from './redis-gateway-user.js';

/** What the cluster needs from its caller. */
export interface LocalClusterDeps {
  dir: string;
  /** The built CLI (dist/cli/main.js) the hub and agents run from. */
  entryScript: string;
  /** The repository's fixtures/ folder, or undefined when there is none. */
  fixturesDir: string | undefined;
  print: (line: string) => void;
}

const STARTUP_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const SEEDED_TREES = ['synapse-configs', 'executionplans'];

/** Fails with what to do when redis-server is not on PATH. */
export function checkRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new UnavailableError('ARTISYNC_REDIS_UNAVAILABLE', 'redis-server is not on PATH: install it (e.g. apt-get install redis-server) and run artisync up again');
  }
}

async function pollUntil(check: () => Promise<boolean>, child: ManagedChild, what: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (!child.running) throw new UnavailableError('ARTISYNC_INTERNAL', `${what} exited during start-up (${await child.exited}); see ${child.logFile}`);
    if (Date.now() > deadline) throw new UnavailableError('ARTISYNC_INTERNAL', `${what} did not come up within ${STARTUP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function hubAnswers(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
  return response.ok;
}

/** Copies fixtures' synapse-configs and executionplans into the publisher's tree, keeping files already there. */
async function seedPublisher(fixturesDir: string | undefined, serverRoot: string): Promise<void> {
  if (fixturesDir === undefined) return;
  const present = new Set(await readdir(fixturesDir).catch(() => []));
  for (const tree of SEEDED_TREES) {
    if (present.has(tree)) await cp(join(fixturesDir, tree), join(serverRoot, tree), { recursive: true, force: false, errorOnExist: false });
  }
}

async function prepareFolders(dir: string): Promise<void> {
  for (const folder of ['redis', 'logs']) await mkdir(join(dir, folder), { recursive: true });
  for (const agent of LOCAL_AGENTS) {
    await mkdir(join(dir, 'state', agent.node), { recursive: true });
    await mkdir(join(dir, agent.node, 'synapse-configs', 'default'), { recursive: true });
    await mkdir(join(dir, agent.node, 'executionplans'), { recursive: true });
  }
}

async function allocateLayout(dir: string): Promise<LocalClusterLayout> {
  const adminPorts: Record<string, number> = {};
  for (const agent of LOCAL_AGENTS) adminPorts[agent.node] = await findFreeLoopbackPort();
  return { dir, redisPort: await findFreeLoopbackPort(), hubPort: await findFreeLoopbackPort(), adminPorts, gatewayRedisPassword: randomBytes(16).toString('hex') };
}

/** The running cluster; stop() ends every process it started. */
export class LocalCluster {
  private readonly children: ManagedChild[] = [];

  private constructor(
    readonly layout: LocalClusterLayout,
    private readonly deps: LocalClusterDeps,
  ) {}

  /** Starts Redis, waits for it, starts the hub, waits for it, then the agents. Stops what it started on failure. */
  static async start(deps: LocalClusterDeps): Promise<LocalCluster> {
    checkRedisServerInstalled();
    await prepareFolders(deps.dir);
    await seedPublisher(deps.fixturesDir, join(deps.dir, 'publisher'));
    const cluster = new LocalCluster(await allocateLayout(deps.dir), deps);
    try {
      await cluster.startAll();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Resolves with a line naming the first child that ends on its own. */
  get firstExit(): Promise<string> {
    return Promise.race(this.children.map(async (child) => `${child.name} stopped (${await child.exited}); see ${child.logFile}`));
  }

  /** PIDs of every child still running. */
  get pids(): number[] {
    return this.children.filter((child) => child.running).flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  private async startAll(): Promise<void> {
    const { dir, redisPort, hubPort } = this.layout;
    const redis = this.launch('redis', 'redis-server', [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', join(dir, 'redis'), '--appendonly', 'yes', '--appendfsync', 'always',
      '--daemonize', 'no', '--logfile', join(dir, 'logs', 'redis.log'),
    ]);
    await pollUntil(() => redisAnswers(redisPort), redis, 'redis-server');
    await createGatewayAclUser(redisPort, this.layout.gatewayRedisPassword);
    await writeFile(join(dir, 'hub.toml'), localHubToml(this.layout));
    const hub = this.launch('hub', process.execPath, [this.deps.entryScript, 'hub', '--config', join(dir, 'hub.toml')]);
    await pollUntil(() => hubAnswers(hubPort), hub, 'the hub');
    for (const agent of LOCAL_AGENTS) {
      const configFile = join(dir, `${agent.node}.toml`);
      await writeFile(configFile, localAgentToml(this.layout, agent));
      this.launch(agent.node, process.execPath, [...AGENT_NODE_FLAGS, this.deps.entryScript, 'agent', '--config', configFile], (line) => {
        const shown = describeAgentLogLine(agent.node, line);
        if (shown !== undefined) this.deps.print(shown);
      });
    }
  }

  private launch(name: string, command: string, args: string[], onLine?: (line: string) => void): ManagedChild {
    const child = ManagedChild.start({ name, command, args, logFile: join(this.layout.dir, 'logs', `${name}.log`), onLine });
    this.children.push(child);
    return child;
  }

  /** Stops agents first, then the hub, then Redis (which flushes its append-only file), each by PID. */
  async stop(): Promise<void> {
    const [redis, hub, ...agents] = this.children;
    // Children start in order redis, hub, agents; a failed start may have left only a prefix of them.
    await Promise.all(agents.map((agent) => agent.stop(STOP_GRACE_MS)));
    await hub?.stop(STOP_GRACE_MS);
    await redis?.stop(STOP_GRACE_MS);
  }
}
