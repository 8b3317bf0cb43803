// Starts a real Redis Cluster for one test file: `redis-server --cluster-enabled yes` on free loopback ports with temp
// dirs, joined by `redis-cli --cluster create`, each server stopped by its own PID.
import { execa } from 'execa';
import { Cluster, Redis } from 'ioredis';
import { TestRedis } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** How many masters and replicas per master. */
export interface TestRedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
}

/** A Redis Cluster this test started and alone may stop. */
export class TestRedisCluster {
  private constructor(readonly servers: TestRedis[]) {}

  /** Starts the servers, creates the cluster (slots spread evenly over the masters) and waits for `cluster_state:ok`. */
  static async start(options: TestRedisClusterOptions = {}): Promise<TestRedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 0;
    const servers = await Promise.all(Array.from({ length: masters * (1 + replicas) }, () => TestRedis.start({
      appendonly: true,
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1500', '--appendfsync', 'everysec'],
    })));
    const cluster = new TestRedisCluster(servers);
    try {
      await execa('redis-cli', ['--cluster', 'create', ...servers.map((server) => `127.0.0.1:${server.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
      await cluster.waitHealthy();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** `redis+cluster://` URL with every node as a seed. */
  get url(): string {
    return `redis+cluster://${this.servers.map((server) => `127.0.0.1:${server.port}`).join(',')}`;
  }

  /** A cluster client; the caller disconnects it. */
  client(): Cluster {
    const client = new Cluster(this.servers.map((server) => ({ host: '127.0.0.1', port: server.port })), { redisOptions: { maxRetriesPerRequest: 2 } });
    client.on('error', () => undefined);
    return client;
  }

  /**
   * Ports of the live masters, each server asked for its own ROLE: Redis 7.0's CLUSTER SHARDS reports replicas with
   * role master, which made every node look like a master.
   */
  async masterPorts(): Promise<number[]> {
    return this.portsWithRole('master');
  }

  /** Ports of the live replicas, by their own ROLE. */
  async replicaPorts(): Promise<number[]> {
    return this.portsWithRole('slave');
  }

  /** How many times `command` ran on the node at `port` (`cmdstat_<command>` of INFO commandstats; 0 when never). */
  async commandCalls(port: number, command: string): Promise<number> {
    const stats = await this.withNode(port, (node) => node.info('commandstats'));
    return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  }

  /** The port of the master serving `key`. */
  async masterOf(key: string): Promise<number> {
    const slot = Number(await this.withLiveNode((node) => node.call('CLUSTER', 'KEYSLOT', key)));
    const slots = await this.withLiveNode((node) => node.call('CLUSTER', 'SLOTS') as Promise<Array<[number, number, [string, number]]>>);
    const owner = slots.find(([from, to]) => slot >= from && slot <= to);
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
    return Number(owner[2][1]);
  }

  /** How many keys each master holds (DBSIZE), by port. */
  async keysPerMaster(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const port of await this.masterPorts()) {
      const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        counts.set(port, await node.dbsize());
      } finally {
        node.disconnect();
      }
    }
    return counts;
  }

  /** SIGKILLs the master on `port` and waits until a replica took over its slots and the cluster is ok again. */
  async killMasterAndWaitForFailover(port: number): Promise<void> {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (server === undefined) throw new Error(`no server of this cluster on port ${port}`);
    await server.kill();
    await waitFor(async () => !(await this.masterPorts().catch(() => [port])).includes(port), { timeoutMs: 30_000, message: `failover away from ${port}` });
    await this.waitHealthy();
  }

  /** Stops every server and removes their data dirs. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.destroy()));
  }

  /**
   * Waits for `cluster_state:ok`, every live replica in sync (one that never synced cannot take over) and listed in
   * every live node's CLUSTER SLOTS: clients learn replicas from that reply, and gossip adds them seconds after create.
   */
  private async waitHealthy(): Promise<void> {
    await waitFor(async () => {
      const info = await this.withLiveNode((node) => node.call('CLUSTER', 'INFO') as Promise<string>).catch(() => '');
      if (!info.includes('cluster_state:ok')) return false;
      const replicas = await this.replicaPorts();
      for (const port of replicas) {
        const replication = await this.withNode(port, (node) => node.info('replication')).catch(() => 'dead');
        if (replication !== 'dead' && !replication.includes('master_link_status:up')) return false;
      }
      for (const server of this.servers.filter((candidate) => candidate.pid !== undefined)) {
        const slots = await this.withNode(server.port, (node) => node.call('CLUSTER', 'SLOTS') as Promise<Array<Array<unknown>>>).catch(() => null);
        if (slots === null) continue; // a killed node answers nothing
        const listed = new Set(slots.flatMap((range) => range.slice(2).map((node) => Number((node as [string, number])[1]))));
        if (!replicas.every((port) => listed.has(port))) return false;
      }
      return true;
    }, { timeoutMs: 30_000, message: 'cluster_state:ok with replicas in sync and known to every node' });
  }

  private async portsWithRole(wanted: 'master' | 'slave'): Promise<number[]> {
    const ports: number[] = [];
    for (const server of this.servers.filter((candidate) => candidate.pid !== undefined)) {
      const role = await this.withNode(server.port, async (node) => ((await node.call('ROLE')) as [string])[0]).catch(() => 'dead');
      if (role === wanted) ports.push(server.port);
    }
    return ports.sort((x, y) => x - y);
  }

  private async withNode<T>(port: number, body: (node: Redis) => Promise<T>): Promise<T> {
    const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    node.on('error', () => undefined);
    try {
      await node.connect();
      return await body(node);
    } finally {
      node.disconnect();
    }
  }

  private async withLiveNode<T>(body: (node: Redis) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const server of this.servers) {
      if (server.pid === undefined) continue;
      try {
        return await this.withNode(server.port, body);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error('no live node in the cluster');
  }
}
