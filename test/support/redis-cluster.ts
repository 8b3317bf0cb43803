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

  /** Ports of the current masters that own slots, from CLUSTER SHARDS of a live node. */
  async masterPorts(): Promise<number[]> {
    const shards = await this.withLiveNode((node) => node.call('CLUSTER', 'SHARDS') as Promise<unknown[]>);
    const ports: number[] = [];
    for (const shard of shards) {
      const fields = pairs(shard as unknown[]);
      for (const raw of fields.get('nodes') as unknown[][]) {
        const node = pairs(raw);
        if (node.get('role') === 'master' && node.get('health') === 'online') ports.push(Number(node.get('port')));
      }
    }
    return ports.sort((a, b) => a - b);
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

  /** Waits for `cluster_state:ok` and for every live replica to be in sync (a replica that never synced cannot take over). */
  private async waitHealthy(): Promise<void> {
    await waitFor(async () => {
      const info = await this.withLiveNode((node) => node.call('CLUSTER', 'INFO') as Promise<string>).catch(() => '');
      if (!info.includes('cluster_state:ok')) return false;
      const masters = await this.masterPorts();
      for (const server of this.servers) {
        if (masters.includes(server.port)) continue;
        const node = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
        node.on('error', () => undefined);
        const replication = await node.info('replication').catch(() => 'dead');
        node.disconnect();
        if (replication !== 'dead' && !replication.includes('master_link_status:up')) return false;
      }
      return true;
    }, { timeoutMs: 30_000, message: 'cluster_state:ok with replicas in sync' });
  }

  private async withLiveNode<T>(body: (node: Redis) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const server of this.servers) {
      if (server.pid === undefined) continue;
      const node = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      node.on('error', () => undefined);
      try {
        await node.connect();
        return await body(node);
      } catch (err) {
        last = err;
      } finally {
        node.disconnect();
      }
    }
    throw last instanceof Error ? last : new Error('no live node in the cluster');
  }
}

function pairs(flat: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}
