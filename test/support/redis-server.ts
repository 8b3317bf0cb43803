// Starts a private redis-server for one test file: free loopback port, its own temp dir, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { redisAnswers } from '../../cli/redis-probe.js';
import { GATEWAY_ACL_USER, gatewayAclRules } from '../../core/redis-acl.js';
import { makeTempDir, removeTempDir } from './temp-tree.js';
import { waitFor } from './wait-for.js';

/** The password of the read-only gateway ACL user every test Redis has (core/redis-acl.ts, as README documents it). */
export const TEST_GATEWAY_REDIS_PASSWORD = 'test-gateway-secret';

/** Options for a test Redis. */
export interface TestRedisOptions {
  appendonly?: boolean;
  extraArgs?: string[];
}

/** A redis-server this test started and alone may stop. */
export class TestRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: TestRedisOptions,
  ) {}

  /** Starts a new server and waits until it answers PING. */
  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    const redis = new TestRedis(await findFreePort(), await makeTempDir('artisync-redis-'), options);
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A new ioredis client on this server; the caller quits it. */
  client(): Redis {
    const client = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 2, lazyConnect: false });
    // A test that kills its server sees the failures on the commands it sends; the reconnect errors are noise.
    client.on('error', () => undefined);
    return client;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--appendonly', this.options.appendonly === true ? 'yes' : 'no', '--appendfsync', 'always',
      '--daemonize', 'no', '--logfile', '',
      // A config directive, so the user exists on every launch (restarts included) before the first connection.
      '--user', GATEWAY_ACL_USER, ...gatewayAclRules(TEST_GATEWAY_REDIS_PASSWORD),
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return redisAnswers(this.port);
    }, { timeoutMs: 10_000, message: `redis-server on port ${this.port}` });
  }

  /** Kills the server with SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  /** Stops the server with SIGTERM. */
  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  /** Starts the server again on the same port and data dir (AOF, when on, is replayed). */
  async restart(): Promise<void> {
    await this.launch();
  }

  /** Stops the server and removes its data dir. */
  async destroy(): Promise<void> {
    await this.stopWith('SIGKILL');
    await removeTempDir(this.dir);
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
