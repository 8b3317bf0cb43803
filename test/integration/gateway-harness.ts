// Starts gateway roles against a test Redis and temp folders, and reads their trees back, for integration tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { startGateway, type GatewayDeps, type GatewayRole } from '../../agent/gateway/gateway-role.js';
import { HubClient } from '../../agent/hub-client.js';
import { resolveConfig, type AgentConfig } from '../../core/config-schema.js';
import { scanDisk } from '../../agent/gateway/disk-scan.js';

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
  return startGateway({ config, logger, hub, echoFilter: { isOwnWrite: () => false }, fs: options.fs });
}

/** A tree's files as path → content. */
export async function readTree(serverRoot: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of (await scanDisk(serverRoot)).keys()) files.set(path, await readFile(join(serverRoot, path), 'utf8'));
  return files;
}
