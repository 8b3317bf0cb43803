// A production-shaped artisync cluster for the benchmark: private redis-server (AOF everysec), the built hub and
// agents as separate processes on loopback, each with fresh folders and free ports, stopped by PID.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'smol-toml';
import { AGENT_NODE_FLAGS } from '../cli/agent-node-flags.js';
import { findFreeLoopbackPort as findFreePort } from '../cli/free-port.js';
import { TestRedis } from '../test/support/redis-server.js';
import { ManagedProcess } from './managed-process.js';
import { readProcessUsage, type ProcessUsage } from './process-usage.js';
import type { Scratch } from './scratch.js';

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist/cli/main.js');
const READY_TIMEOUT_MS = 120_000;
// ARTISYNC_BENCH_CPU_PROF=DIR makes every hub and agent write a V8 CPU profile into DIR when it stops, for profiling a run.
const PROFILE_ARGS = process.env.ARTISYNC_BENCH_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.ARTISYNC_BENCH_CPU_PROF}`];
// The daemons run as the systemd units do: two malloc arenas (glibc makes one per libuv pool thread), and the agents
// with the smaller young generation of cli/agent-node-flags.ts (docs/deployment-memory.md).
const NODE_ARGS = PROFILE_ARGS;
const DAEMON_ENV = { ...process.env, MALLOC_ARENA_MAX: '2' };

/** How the cluster is shaped; every field but `gateways` has a production-like default. */
export interface ClusterOptions {
  gateways: number;
  label?: string;
  quietMs?: number;
  verifyIntervalMs?: number;
  /** "sync" makes a gateway's /readyz wait for its first full sync: what the cold-start scenario times. */
  dataRetrievalMode?: 'sync' | 'async';
}

/** One agent node: its server root and the process serving its admin API. */
export interface ClusterNode {
  nodeId: string;
  serverRoot: string;
  adminUrl: string;
  process: ManagedProcess;
  /** performance.now() when /readyz first answered 200. */
  readyAt: number;
}

/** A running cluster. `stop()` it in a finally block. */
export class BenchCluster {
  readonly gateways: ClusterNode[] = [];

  private constructor(
    private readonly scratch: Scratch,
    private readonly options: Required<ClusterOptions>,
    readonly redis: TestRedis,
    readonly hub: ManagedProcess,
    readonly hubUrl: string,
    readonly publisher: ClusterNode,
  ) {}

  /** Starts redis, the hub, one publisher and `options.gateways` gateways, and waits until all are ready. */
  static async start(scratch: Scratch, options: ClusterOptions): Promise<BenchCluster> {
    const full: Required<ClusterOptions> = {
      label: 'Production and Sandbox', quietMs: 5, verifyIntervalMs: 60_000, dataRetrievalMode: 'async', ...options,
    };
    const dir = await scratch.freshDir('cluster');
    const redis = await TestRedis.start({ appendonly: true, extraArgs: ['--appendfsync', 'everysec'] });
    const started: ManagedProcess[] = [];
    try {
      const listen = `127.0.0.1:${await findFreePort()}`;
      const hub = await startHub(dir, redis.url, listen);
      started.push(hub);
      const publisher = await startAgent(scratch, full, redis.url, `http://${listen}`, 'publisher');
      started.push(publisher.process);
      const cluster = new BenchCluster(scratch, full, redis, hub, `http://${listen}`, publisher);
      for (let i = 1; i <= options.gateways; i += 1) started.push((await cluster.addGateway()).process);
      return cluster;
    } catch (err) {
      // A process that never became ready must not outlive the run, nor must the ones started before it.
      await Promise.all(started.map((one) => one.stop()));
      await redis.destroy();
      throw err;
    }
  }

  /** Starts one more gateway with an empty server root and waits until it is ready (the cold-start scenario). */
  async addGateway(): Promise<ClusterNode> {
    const node = await startAgent(this.scratch, this.options, this.redis.url, this.hubUrl, `gw-${this.gateways.length + 1}`);
    this.gateways.push(node);
    return node;
  }

  /** The label every node publishes to and subscribes to. */
  get label(): string {
    return this.options.label;
  }

  /** Peak RSS and CPU seconds of redis, the hub and every agent, keyed by role or node id. */
  async usage(): Promise<Record<string, ProcessUsage>> {
    const processes: [string, ManagedProcess][] = [['hub', this.hub], [this.publisher.nodeId, this.publisher.process],
      ...this.gateways.map((node): [string, ManagedProcess] => [node.nodeId, node.process])];
    const usage: Record<string, ProcessUsage> = {};
    for (const [name, one] of processes) usage[name] = await one.usage();
    const redisPid = this.redis.pid;
    if (redisPid !== undefined) usage.redis = await readProcessUsage(redisPid);
    return usage;
  }

  /** Redis INFO memory `used_memory`, in bytes. */
  async redisUsedMemoryBytes(): Promise<number> {
    const client = this.redis.client();
    try {
      const match = /^used_memory:(\d+)\r?$/m.exec(await client.info('memory'));
      return Number(match?.[1] ?? Number.NaN);
    } finally {
      client.disconnect();
    }
  }

  /** Stops the agents, then the hub, then redis (which removes its data dir). */
  async stop(): Promise<void> {
    await Promise.all([this.publisher, ...this.gateways].map((node) => node.process.stop()));
    await this.hub.stop();
    await this.redis.destroy();
  }
}

/** Starts the built hub on `listen` against `redisUrl` and waits for /readyz. */
export async function startHub(dir: string, redisUrl: string, listen: string): Promise<ManagedProcess> {
  const config = join(dir, 'hub.toml');
  await writeFile(config, stringify({
    listen, redis_url: redisUrl, history_limit: 50, stream_maxlen: 100_000, max_artifact_bytes: 5_242_880,
    conflict_policy: 'last-writer-wins',
  }));
  const hub = ManagedProcess.spawn('hub', process.execPath, [...NODE_ARGS, CLI, 'hub', '--config', config, '--insecure'], join(dir, 'hub.log'), DAEMON_ENV);
  try {
    await hub.waitReady(`http://${listen}/readyz`, READY_TIMEOUT_MS);
  } catch (err) {
    await hub.stop();
    throw err;
  }
  return hub;
}

async function startAgent(
  scratch: Scratch, options: Required<ClusterOptions>, redisUrl: string, hubUrl: string, nodeId: string,
): Promise<ClusterNode> {
  const isPublisher = nodeId === 'publisher';
  const dir = await scratch.freshDir(`agent-${nodeId}`);
  const serverRoot = join(dir, 'server');
  const stateDir = join(dir, 'state');
  await mkdir(join(serverRoot, 'synapse-configs/default'), { recursive: true });
  await mkdir(join(serverRoot, 'executionplans'), { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const adminListen = `127.0.0.1:${await findFreePort()}`;
  const config = join(dir, 'agent.toml');
  await writeFile(config, stringify({
    node_id: nodeId, server_root: serverRoot, hub_url: hubUrl, token: 'bench', redis_url: redisUrl, state_dir: stateDir,
    admin_listen: adminListen,
    publisher: { enabled: isPublisher, labels: [options.label], quiet_ms: options.quietMs },
    gateway: {
      enabled: !isPublisher, gateway_labels: [options.label], data_retrieval_mode: options.dataRetrievalMode,
      verify_interval: options.verifyIntervalMs,
    },
  }));
  const agent = ManagedProcess.spawn(nodeId, process.execPath, [...NODE_ARGS, ...AGENT_NODE_FLAGS, CLI, 'agent', '--config', config], join(dir, 'agent.log'), DAEMON_ENV);
  let readyAt: number;
  try {
    readyAt = await agent.waitReady(`http://${adminListen}/readyz`, READY_TIMEOUT_MS);
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return { nodeId, serverRoot, adminUrl: `http://${adminListen}`, process: agent, readyAt };
}
