// Starts a Redis master, a replica and three Sentinels on loopback for one test file; can kill the master to force a failover.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { redisAnswers } from '../../cli/redis-probe.js';
import { TestRedis } from './redis-server.js';
import { makeTempDir, removeTempDir } from './temp-tree.js';
import { waitFor } from './wait-for.js';

/** The master name the Sentinels monitor. */
export const SENTINEL_MASTER_NAME = 'mymaster';

const QUORUM = 2;
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 5_000;

/** Options for the data nodes. */
export interface SentinelSetupOptions {
  /** Turns on the append-only file on master and replica. */
  appendonly?: boolean;
}

/** One Sentinel process. */
interface SentinelProcess {
  port: number;
  child: ChildProcess;
}

/** Master, replica and three Sentinels this test started and alone may stop. */
export class SentinelSetup {
  private constructor(
    readonly master: TestRedis,
    readonly replica: TestRedis,
    private readonly sentinels: SentinelProcess[],
    private readonly dir: string,
  ) {}

  /** Starts the data nodes, waits until the replica is in sync, starts the Sentinels and waits until they see each other. */
  static async start(options: SentinelSetupOptions = {}): Promise<SentinelSetup> {
    const dataArgs = ['--appendonly', options.appendonly === true ? 'yes' : 'no'];
    const master = await TestRedis.start({ extraArgs: dataArgs });
    const replica = await TestRedis.start({ extraArgs: [...dataArgs, '--replicaof', '127.0.0.1', String(master.port)] });
    await waitForReplicaInSync(replica);
    const dir = await makeTempDir('artisync-sentinel-');
    const sentinels: SentinelProcess[] = [];
    for (let i = 0; i < 3; i += 1) sentinels.push(await startSentinel(dir, i, master.port));
    const setup = new SentinelSetup(master, replica, sentinels, dir);
    await setup.waitUntilMonitoring();
    return setup;
  }

  /** `redis+sentinel://` URL of the three Sentinels, as hub and agents take it. */
  get url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${SENTINEL_MASTER_NAME}`;
  }

  get sentinelPorts(): number[] {
    return this.sentinels.map((sentinel) => sentinel.port);
  }

  /** A new ioredis client that finds the master through the Sentinels; the caller disconnects it. */
  client(): Redis {
    const client = new Redis({
      sentinels: this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name: SENTINEL_MASTER_NAME,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => undefined);
    return client;
  }

  /** The port the Sentinels currently name as master. */
  async currentMasterPort(): Promise<number> {
    const sentinel = this.sentinelClient(0);
    try {
      const reply = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)) as [string, string] | null;
      if (reply === null) throw new Error('no master known to the Sentinels');
      return Number(reply[1]);
    } finally {
      sentinel.disconnect();
    }
  }

  /** SIGKILLs the current master and waits until every Sentinel names the replica as the new master. */
  async killMasterAndWaitForFailover(): Promise<{ oldPort: number; newPort: number }> {
    const oldPort = await this.currentMasterPort();
    const [victim, survivor] = oldPort === this.master.port ? [this.master, this.replica] : [this.replica, this.master];
    await victim.kill();
    await waitFor(async () => {
      for (let i = 0; i < this.sentinels.length; i += 1) {
        const sentinel = this.sentinelClient(i);
        try {
          const reply = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)) as [string, string];
          if (Number(reply[1]) !== survivor.port) return false;
        } finally {
          sentinel.disconnect();
        }
      }
      const promoted = survivor.client();
      try {
        return /role:master/.test(await promoted.info('replication'));
      } finally {
        promoted.disconnect();
      }
    }, { timeoutMs: 30_000, intervalMs: 100, message: `failover from port ${oldPort} to ${survivor.port}` });
    return { oldPort, newPort: survivor.port };
  }

  /** Stops every process and removes every temp dir. */
  async destroy(): Promise<void> {
    await Promise.all(this.sentinels.map(async ({ child }) => stopChild(child)));
    await this.master.destroy();
    await this.replica.destroy();
    await removeTempDir(this.dir);
  }

  private sentinelClient(index: number): Redis {
    const port = this.sentinels[index]?.port;
    if (port === undefined) throw new Error(`no sentinel ${index}`);
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    return client;
  }

  /** Failover needs a quorum that knows the replica and each other; hello messages take a few seconds. */
  private async waitUntilMonitoring(): Promise<void> {
    await waitFor(async () => {
      for (let i = 0; i < this.sentinels.length; i += 1) {
        const sentinel = this.sentinelClient(i);
        try {
          const replicas = (await sentinel.call('SENTINEL', 'replicas', SENTINEL_MASTER_NAME)) as unknown[];
          const peers = (await sentinel.call('SENTINEL', 'sentinels', SENTINEL_MASTER_NAME)) as unknown[];
          if (replicas.length < 1 || peers.length < this.sentinels.length - 1) return false;
        } finally {
          sentinel.disconnect();
        }
      }
      return true;
    }, { timeoutMs: 30_000, intervalMs: 100, message: 'Sentinels to discover the replica and each other' });
  }
}

async function waitForReplicaInSync(replica: TestRedis): Promise<void> {
  const client = replica.client();
  try {
    await waitFor(async () => /master_link_status:up/.test(await client.info('replication')), { message: 'replica in sync' });
  } finally {
    client.disconnect();
  }
}

async function startSentinel(dir: string, index: number, masterPort: number): Promise<SentinelProcess> {
  const port = await findFreePort();
  const configPath = join(dir, `sentinel-${index}.conf`);
  await writeFile(configPath, [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} ${QUORUM}`,
    `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
    '',
  ].join('\n'));
  const child = spawn('redis-server', [configPath, '--sentinel', '--daemonize', 'no', '--logfile', ''], { stdio: 'ignore' });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`sentinel exited with ${child.exitCode}`);
    return redisAnswers(port);
  }, { timeoutMs: 10_000, message: `sentinel on port ${port}` });
  return { port, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
