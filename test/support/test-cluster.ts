// Starts the built hub and agents as processes for e2e tests: free ports, temp folders, readiness waits, one stop for all.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { CliDaemon } from './cli-daemon.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { gatewayRedisUrl } from '../../core/redis-acl.js';
import { TEST_GATEWAY_REDIS_PASSWORD } from './redis-server.js';
import { makeTempDir, removeTempDir } from './temp-tree.js';
import { waitFor } from './wait-for.js';

/** The synced trees a server root holds by default (folders made before an agent starts). */
const TREES = ['synapse-configs/default', 'executionplans'];
/** Folders made before an agent starts, as a real server root has them; a test of new folders makes its own. */
const STANDARD_FOLDERS = [...TREES, ...['api', 'endpoints', 'sequences', 'local-entries'].map((kind) => `synapse-configs/default/${kind}`)];

/** A hub process and where it listens. */
export interface HubNode {
  url: string;
  port: number;
  daemon: CliDaemon;
}

/** An agent process and its folders. */
export interface AgentNode {
  nodeId: string;
  serverRoot: string;
  stateDir: string;
  adminUrl: string;
  daemon: CliDaemon;
  /** The arguments it was started with, so a test can restart it the same way. */
  args: string[];
}

/** Options of one agent. */
export interface AgentOptions {
  nodeId: string;
  hubUrl: string;
  redisUrl: string;
  publishLabels?: string[];
  gatewayLabels?: string[];
  token?: string;
  /** Flags appended as they are, e.g. ['--verify-interval', '500']. */
  extraArgs?: string[];
  /**
   * A gateway-only agent on a plain loopback `redis://` URL connects as the read-only gateway ACL user, as README
   * tells operators to; false keeps the URL as given.
   */
  gatewayAclUser?: boolean;
  /** Reuse folders (a restart) instead of making new ones. */
  serverRoot?: string;
  stateDir?: string;
}

/** Owns every process and folder it made; `stop()` in afterAll. */
export class TestCluster {
  private readonly dirs: string[] = [];
  private readonly daemons: CliDaemon[] = [];

  /** Starts `artisync hub` and waits for "hub listening". */
  async startHub(redisUrl: string, options: { tokensFile?: string; port?: number; extraArgs?: string[] } = {}): Promise<HubNode> {
    const port = options.port ?? (await findFreePort());
    const auth = options.tokensFile === undefined ? ['--insecure'] : ['--tokens-file', options.tokensFile];
    const args = ['hub', ...auth, '--listen', `127.0.0.1:${port}`, '--redis-url', redisUrl, ...(options.extraArgs ?? [])];
    const daemon = this.track(CliDaemon.start(args, { name: `hub:${port}` }));
    await daemon.waitForLog((line) => line.msg === 'hub listening', 30_000);
    return { url: `http://127.0.0.1:${port}`, port, daemon };
  }

  /** Starts `artisync agent` and waits until its admin /readyz answers 200. */
  async startAgent(options: AgentOptions): Promise<AgentNode> {
    const serverRoot = options.serverRoot ?? (await this.tempDir(`artisync-${options.nodeId}-root-`));
    const stateDir = options.stateDir ?? (await this.tempDir(`artisync-${options.nodeId}-state-`));
    for (const folder of STANDARD_FOLDERS) await mkdir(join(serverRoot, folder), { recursive: true });
    const adminPort = await findFreePort();
    const args = [
      'agent', '--node-id', options.nodeId, '--server-root', serverRoot, '--state-dir', stateDir,
      '--hub-url', options.hubUrl, '--redis-url', agentRedisUrl(options), '--admin-listen', `127.0.0.1:${adminPort}`,
      '--heartbeat-interval', '500',
      ...(options.token === undefined ? [] : ['--token', options.token]),
      ...(options.publishLabels === undefined ? [] : ['--publisher-enabled', '--labels', options.publishLabels.join(','), '--quiet-ms', '50']),
      ...(options.gatewayLabels === undefined ? [] : ['--gateway-enabled', '--gateway-labels', options.gatewayLabels.join(','), '--deployment-retry-duration', '200']),
      ...(options.extraArgs ?? []),
    ];
    const daemon = this.track(CliDaemon.start(args, { name: options.nodeId }));
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitFor(async () => {
      if (!daemon.alive) throw new Error(`${options.nodeId} exited: ${daemon.stderr.slice(-2000)}`);
      return (await fetch(`${adminUrl}/readyz`)).status === 200;
    }, { timeoutMs: 30_000, message: `agent ${options.nodeId} ready` });
    return { nodeId: options.nodeId, serverRoot, stateDir, adminUrl, daemon, args };
  }

  /** Restarts an agent on its own folders after it stopped or was killed. */
  async restartAgent(agent: AgentNode, options: AgentOptions): Promise<AgentNode> {
    if (agent.daemon.alive) await agent.daemon.stop();
    return this.startAgent({ ...options, serverRoot: agent.serverRoot, stateDir: agent.stateDir });
  }

  /** A temp folder removed by stop(). */
  async tempDir(prefix: string): Promise<string> {
    const dir = await makeTempDir(prefix);
    this.dirs.push(dir);
    return dir;
  }

  /** Writes a tokens file ("node token [scopes]" lines; a node without scopes has full access) and returns its path. */
  async tokensFile(tokens: Record<string, string>, scopes: Record<string, string> = {}): Promise<string> {
    const dir = await this.tempDir('artisync-tokens-');
    const file = join(dir, 'tokens');
    await writeFile(file, Object.entries(tokens).map(([node, token]) => `${node} ${token}${scopes[node] === undefined ? '' : ` ${scopes[node]}`}`).join('\n'));
    return file;
  }

  /** Stops every process (SIGKILL after a deadline), leaving the folders for a test to inspect or unmount. */
  async stopProcesses(): Promise<void> {
    await Promise.all(this.daemons.map(async (daemon) => daemon.stop('SIGTERM', 5_000)));
  }

  /** Stops every process and removes every folder. */
  async stop(): Promise<void> {
    await this.stopProcesses();
    for (const dir of this.dirs) await removeTempDir(dir);
  }

  private track(daemon: CliDaemon): CliDaemon {
    this.daemons.push(daemon);
    return daemon;
  }
}

/** The Redis URL an agent gets: a gateway-only agent's plain loopback URL carries the gateway ACL user. */
function agentRedisUrl(options: AgentOptions): string {
  const gatewayOnly = options.gatewayLabels !== undefined && options.publishLabels === undefined;
  if (!gatewayOnly || options.gatewayAclUser === false || !/^redis:\/\/127\.0\.0\.1:\d+(\/\d+)?$/.test(options.redisUrl)) return options.redisUrl;
  return gatewayRedisUrl(options.redisUrl, TEST_GATEWAY_REDIS_PASSWORD);
}

/** Every synced file under a server root (dotfiles and .artisync- temp files included), path → content. */
export async function readTrees(serverRoot: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const tree of SYNCED_TREES) {
    const root = join(serverRoot, tree);
    let entries;
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const absolute = join(entry.parentPath, entry.name);
      try {
        files.set(relative(serverRoot, absolute), await readFile(absolute, 'utf8'));
      } catch (err) {
        // A file removed between listing and reading (an agent at work) is simply not there any more.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}
