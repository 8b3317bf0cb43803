// A worker thread running many real GatewayRole instances with a silent logger, for the fan-out-at-scale bench:
// it reports when every gateway has synced and, per gateway, when each batch landed on disk.
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { startGateway, type GatewayRole } from '../agent/gateway/gateway-role.js';
import { HubClient } from '../client/hub-client.js';
import { resolveConfig } from '../core/config-schema.js';

/** What the scenario hands the worker. */
export interface FleetWorkerData {
  redisUrl: string;
  root: string;
  /** This worker runs gateways `first` to `first + gateways - 1`. */
  first: number;
  gateways: number;
  labels: string[];
  /** A path every gateway must have on disk before it counts as synced. */
  syncedPath: string;
}

/** Messages to the scenario: `synced` once, then `landed` per gateway and batch (epoch ms), `stopped` at the end. */
export type FleetMessage = { type: 'synced'; ms: number } | { type: 'landed'; gateway: number; at: number } | { type: 'stopped' };

const data = workerData as FleetWorkerData;
const port = parentPort;
if (port === null) throw new Error('gateway-fleet-worker runs only as a worker thread');
const logger = pino({ level: 'silent' });
const roles: GatewayRole[] = [];
const started = performance.now();

const indexes = Array.from({ length: data.gateways }, (_, offset) => data.first + offset);

for (const index of indexes) {
  const serverRoot = join(data.root, `gw-${index}`, 'root');
  const stateDir = join(data.root, `gw-${index}`, 'state');
  await mkdir(serverRoot, { recursive: true });
  const config = resolveConfig('agent', {
    file: {
      node_id: `bench-gw-${index}`, server_root: serverRoot, state_dir: stateDir, redis_url: data.redisUrl, log_level: 'fatal',
      hub_url: 'http://127.0.0.1:9',
      // A publisher-enabled node does not watch its trees for hand edits: 1,000 fs.watch sets would measure inotify.
      publisher: { enabled: true, labels: [data.labels[0] as string] },
      gateway: { enabled: true, gateway_labels: data.labels, data_retrieval_mode: 'async', event_waiting_time: 0, verify_interval: 300_000 },
    },
    filePath: undefined, env: new Map(), flags: new Map(),
  });
  const metrics = {
    observePropagationLag: () => port.postMessage({ type: 'landed', gateway: index, at: performance.timeOrigin + performance.now() } satisfies FleetMessage),
    countRepairs: () => undefined, setOverrides: () => undefined, countRedisError: () => undefined, countSyncRetry: () => undefined,
    countBackgroundFailure: () => undefined,
  };
  roles.push(await startGateway({ config, logger, hub: new HubClient({ hubUrl: config.hub_url, token: undefined }), echoFilter: { isOwnWrite: () => false }, metrics }));
}

for (const index of indexes) {
  const file = join(data.root, `gw-${index}`, 'root', data.syncedPath);
  for (;;) {
    if (await access(file).then(() => true, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
port.postMessage({ type: 'synced', ms: performance.now() - started } satisfies FleetMessage);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void Promise.all(roles.map((role) => role.stop())).then(() => port.postMessage({ type: 'stopped' } satisfies FleetMessage));
});
