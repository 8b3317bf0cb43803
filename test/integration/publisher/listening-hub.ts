// A real hub app (test/support/hub-test-app.ts on a real redis-server) listening on loopback, which a test can stop and restart.
import type { Redis } from 'ioredis';
import { HubClient } from '../../../client/hub-client.js';
import { redisKeys } from '../../../core/redis-keys.js';
import { findFreeLoopbackPort as findFreePort } from '../../../cli/free-port.js';
import { startTestHub, type TestHub, type TestHubOptions } from '../../support/hub-test-app.js';
import type { TestRedis } from '../../support/redis-server.js';

/** A hub on a fixed loopback port: `down()` stops listening (the port refuses), `up()` serves again. */
export class ListeningHub {
  readonly client: HubClient;
  private hub: TestHub | undefined;

  private constructor(private readonly redis: TestRedis, private readonly port: number, private readonly options: TestHubOptions) {
    this.client = new HubClient({ hubUrl: this.url, token: undefined, node: 'seeder', timeoutMs: 5000 });
  }

  /** Starts a hub on a free port. */
  static async start(redis: TestRedis, options: TestHubOptions = {}): Promise<ListeningHub> {
    const hub = new ListeningHub(redis, await findFreePort(), options);
    await hub.up();
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Serves on the port. */
  async up(): Promise<void> {
    this.hub = await startTestHub(this.redis, this.options);
    await this.hub.app.listen({ host: '127.0.0.1', port: this.port });
  }

  /** Stops serving, as a hub that went away. */
  async down(): Promise<void> {
    await this.hub?.close();
    this.hub = undefined;
  }

  /** A label's heads as path → content. */
  async contents(label: string): Promise<Record<string, string>> {
    const snapshot = await this.client.snapshot(label);
    const entries = await Promise.all(snapshot.artifacts.map(async (head) => [head.path, (await this.client.getArtifact(label, head.path)).toString('utf8')]));
    return Object.fromEntries(entries) as Record<string, string>;
  }

  /** Number of changesets committed to a label (its stream's length). */
  async changesets(label: string, redis: Redis): Promise<number> {
    return redis.xlen(redisKeys.stream(label));
  }

  /** Writes a head as another node would. */
  async seed(label: string, path: string, content: string): Promise<void> {
    await this.client.pushChangeset(label, { changes: [{ op: 'put', path, content: Buffer.from(content) }] });
  }
}
