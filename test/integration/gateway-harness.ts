// Starts gateway roles against a test Redis and temp folders, and reads their trees back, for integration tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startGateway, type GatewayDeps, type GatewayRole } from '../../agent/gateway/gateway-role.js';
import { HubClient } from '../../client/hub-client.js';
import type { OwnPublisherLink } from '../../agent/own-publisher-link.js';
import { resolveConfig, type AgentConfig } from '../../core/config-schema.js';
import { scanDisk } from '../../agent/gateway/disk-scan.js';
import { TestRedis } from '../support/redis-server.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { HubLayoutSeeder } from './hub-layout-seeder.js';

/** Settings a test gives a gateway. */
export interface HarnessOptions {
  nodeId: string;
  serverRoot: string;
  stateDir: string;
  redisUrl: string;
  labels: string[];
  publisher?: boolean;
  mode?: 'sync' | 'async';
  retryMs?: number;
  verifyIntervalMs?: number;
  onDeploy?: string[];
  fs?: GatewayDeps['fs'];
  /** How long the gateway's blocking stream reads wait (5 s by default). */
  readBlockMs?: number;
  /** The node's own publisher, as agent/main.ts links it on a node that publishes. */
  ownPublisher?: OwnPublisherLink;
}

/** An agent config for a gateway under test. */
export function gatewayConfig(options: HarnessOptions): AgentConfig {
  return resolveConfig('agent', {
    file: {
      node_id: options.nodeId,
      server_root: options.serverRoot,
      state_dir: options.stateDir,
      redis_url: options.redisUrl,
      heartbeat_interval: 200,
      log_level: 'fatal',
      publisher: { enabled: options.publisher ?? false, labels: options.labels },
      gateway: {
        enabled: true,
        gateway_labels: options.labels,
        data_retrieval_mode: options.mode ?? 'async',
        deployment_retry_duration: options.retryMs ?? 50,
        verify_interval: options.verifyIntervalMs ?? 3_600_000,
        event_waiting_time: 0,
        on_deploy: options.onDeploy ?? [],
      },
    },
    filePath: undefined,
    env: new Map(),
    flags: new Map(),
  });
}

/** Starts a gateway role in this process. */
export async function startTestGateway(options: HarnessOptions): Promise<GatewayRole> {
  const config = gatewayConfig(options);
  const logger = pino({ level: process.env.ARTISYNC_TEST_LOG ?? 'silent' });
  const hub = new HubClient({ hubUrl: config.hub_url, token: undefined });
  return startGateway({ config, logger, hub, echoFilter: { isOwnWrite: () => false }, fs: options.fs, readBlockMs: options.readBlockMs, ...(options.ownPublisher === undefined ? {} : { ownPublisher: options.ownPublisher }) });
}

/** A tree's files as path → content. */
export async function readTree(serverRoot: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of (await scanDisk(serverRoot)).keys()) files.set(path, await readFile(join(serverRoot, path), 'utf8'));
  return files;
}

/** Per-file Redis and per-test folder, client and seeder, plus the gateways a test started (stopped after each test). */
export interface GatewaySuite {
  readonly redis: TestRedis;
  readonly client: Redis;
  readonly seeder: HubLayoutSeeder;
  readonly dir: string;
  /** Options for gateway `gw-1` in this test's folder, with `extra` on top. */
  options: (extra?: Partial<HarnessOptions>) => HarnessOptions;
  start: (extra?: Partial<HarnessOptions>) => Promise<GatewayRole>;
  stop: (gateway: GatewayRole) => Promise<void>;
}

/** Registers the vitest hooks of a gateway integration file: one private redis-server, flushed before each test. */
export function useGatewaySuite(tempPrefix: string, labels: readonly string[]): GatewaySuite {
  let redis: TestRedis | undefined;
  let client: Redis | undefined;
  let seeder: HubLayoutSeeder | undefined;
  let dir: string | undefined;
  let gateways: GatewayRole[] = [];
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is only set inside a test`);
    return value;
  };
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis?.destroy();
  });
  beforeEach(async () => {
    client = ready(redis, 'redis').client();
    await client.flushall();
    seeder = new HubLayoutSeeder(client);
    dir = await makeTempDir(tempPrefix);
  });
  afterEach(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    gateways = [];
    client?.disconnect();
    if (dir !== undefined) await removeTempDir(dir);
  });
  const suite: GatewaySuite = {
    get redis() { return ready(redis, 'redis'); },
    get client() { return ready(client, 'client'); },
    get seeder() { return ready(seeder, 'seeder'); },
    get dir() { return ready(dir, 'dir'); },
    options: (extra = {}) => ({
      nodeId: 'gw-1', serverRoot: join(suite.dir, 'server'), stateDir: join(suite.dir, 'state'), redisUrl: suite.redis.url, labels: [...labels], ...extra,
    }),
    start: async (extra = {}) => {
      const gateway = await startTestGateway(suite.options(extra));
      gateways.push(gateway);
      return gateway;
    },
    stop: async (gateway) => {
      await gateway.stop();
      gateways = gateways.filter((item) => item !== gateway);
    },
  };
  return suite;
}
