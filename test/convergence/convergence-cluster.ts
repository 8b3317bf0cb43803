// The processes of a convergence run (Redis with AOF, one hub on a fixed port, two publishers, three gateways reading
// Redis through a proxy) and the faults that can be done to them: SIGKILL and restart of any agent, of the hub, of
// Redis; Redis restored from an older copy of its AOF; the hub away for a while; a gateway's stream reply lost.
import { cp, rm } from 'node:fs/promises';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../support/redis-server.js';
import type { LogLine } from '../support/cli-daemon.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { TestCluster, type AgentNode, type AgentOptions, type HubNode } from '../support/test-cluster.js';
import type { PublisherSpec } from './convergence-model.js';

/** Two labels; each publisher owns one, gateways subscribe to one or both in different orders. */
export const RUN_PUBLISHERS: readonly PublisherSpec[] = [
  { nodeId: 'pub-a', label: 'Production and Sandbox', prefix: 'A' },
  { nodeId: 'pub-b', label: 'Label1', prefix: 'B' },
];

const GATEWAY_LABELS: Record<string, string[]> = {
  'gw-1': ['Production and Sandbox', 'Label1'],
  'gw-2': ['Label1', 'Production and Sandbox'],
  'gw-3': ['Production and Sandbox'],
};

/** A running agent and how to start it again. */
export interface RunAgent {
  node: AgentNode;
  options: AgentOptions;
  role: 'publisher' | 'gateway';
  labels: string[];
  /** Log lines of this agent's earlier (killed) processes, oldest first, for failure messages. */
  pastLogs: LogLine[];
}

/** Everything a run started; `destroy()` stops it all. */
export class ConvergenceCluster {
  hub: HubNode | undefined;
  private redisDown = false;
  /** A copy of Redis's data dir taken by snapshotRedis(), until restoreRedisSnapshot() uses it. */
  private redisSnapshot: string | undefined;

  private constructor(
    readonly redis: TestRedis,
    /** Every gateway reads Redis through this proxy, so a test can lose one of their replies. */
    readonly gatewayProxy: TcpProxy,
    private readonly cluster: TestCluster,
    private readonly hubPort: number,
    readonly agents: Map<string, RunAgent>,
  ) {}

  /** Starts Redis (AOF, fsync always), the gateways' proxy, the hub and every agent, and waits until all are ready. */
  static async start(): Promise<ConvergenceCluster> {
    const redis = await TestRedis.start({ appendonly: true });
    const proxy = await TcpProxy.start(redis.port);
    const run = new ConvergenceCluster(redis, proxy, new TestCluster(), await findFreePort(), new Map());
    await run.startHub();
    const base = { hubUrl: `http://127.0.0.1:${run.hubPort}`, redisUrl: redis.url };
    for (const publisher of RUN_PUBLISHERS) {
      // The mass-delete guard stops a restart that would delete most of a small label and waits for a human; the
      // run's labels are small and its deletes pile up while the hub is away, so the guard is off here (its own tests
      // are the publisher's).
      const options: AgentOptions = { ...base, nodeId: publisher.nodeId, publishLabels: [publisher.label], extraArgs: ['--mass-delete-guard', '1'] };
      run.agents.set(publisher.nodeId, { node: await run.cluster.startAgent(options), options, role: 'publisher', labels: [publisher.label], pastLogs: [] });
    }
    for (const [nodeId, labels] of Object.entries(GATEWAY_LABELS)) {
      const options: AgentOptions = {
        ...base, redisUrl: `redis://${proxy.address}/0`, nodeId, gatewayLabels: labels, extraArgs: ['--verify-interval', '1000'],
      };
      run.agents.set(nodeId, { node: await run.cluster.startAgent(options), options, role: 'gateway', labels, pastLogs: [] });
    }
    return run;
  }

  /** The agent named `nodeId`. */
  agent(nodeId: string): RunAgent {
    const agent = this.agents.get(nodeId);
    if (agent === undefined) throw new Error(`no agent ${nodeId}`);
    return agent;
  }

  get gateways(): RunAgent[] {
    return [...this.agents.values()].filter((agent) => agent.role === 'gateway');
  }

  get hubUp(): boolean {
    return this.hub?.daemon.alive === true;
  }

  get redisUp(): boolean {
    return !this.redisDown;
  }

  /** SIGKILLs an agent and starts it again on its own folders (its journal and state survive). */
  async killAndRestartAgent(nodeId: string): Promise<void> {
    const agent = this.agent(nodeId);
    await agent.node.daemon.kill();
    agent.pastLogs.push(...agent.node.daemon.logs);
    agent.node = await this.cluster.restartAgent(agent.node, agent.options);
  }

  /** SIGKILLs the hub; it stays down until startHub(). */
  async killHub(): Promise<void> {
    await this.hub?.daemon.kill();
  }

  /** Starts the hub on its fixed port, so agents find it again at the same URL. */
  async startHub(): Promise<void> {
    this.hub = await this.cluster.startHub(this.redis.url, { port: this.hubPort });
  }

  /** SIGKILLs Redis; its append-only file keeps every acknowledged write. */
  async killRedis(): Promise<void> {
    this.redisDown = true;
    await this.redis.kill();
  }

  /** Starts Redis again on the same port and data. */
  async restartRedis(): Promise<void> {
    await this.redis.restart();
    this.redisDown = false;
  }

  get hasRedisSnapshot(): boolean {
    return this.redisSnapshot !== undefined;
  }

  /** Copies Redis's data dir (its AOF) as it is now; a later restoreRedisSnapshot() goes back to it. */
  async snapshotRedis(): Promise<void> {
    this.redisSnapshot ??= await makeTempDir('artisync-redis-copy-');
    await rm(this.redisSnapshot, { recursive: true, force: true });
    await cp(this.redis.dir, this.redisSnapshot, { recursive: true });
  }

  /**
   * SIGKILLs Redis and puts the copied data dir in place of its own: the writes acknowledged since the copy are lost,
   * as after a failover to a lagging replica or a restore from backup. Redis stays down until restartRedis().
   */
  async killRedisAndRestoreSnapshot(): Promise<void> {
    const snapshot = this.redisSnapshot;
    if (snapshot === undefined) throw new Error('no Redis snapshot to restore');
    await this.killRedis();
    await rm(this.redis.dir, { recursive: true, force: true });
    await cp(snapshot, this.redis.dir, { recursive: true });
    await removeTempDir(snapshot);
    this.redisSnapshot = undefined;
  }

  /** Stops every process and removes every folder. */
  async destroy(): Promise<void> {
    await this.cluster.stop();
    await this.gatewayProxy.close();
    await this.redis.destroy();
    if (this.redisSnapshot !== undefined) await removeTempDir(this.redisSnapshot);
  }
}
