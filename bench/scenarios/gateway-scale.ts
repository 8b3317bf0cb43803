// Fan-out at scale (issue 13): 10, 100 and 1,000 real GatewayRole instances in two worker threads on 10 labels of one
// private Redis. Measures idle Redis CPU, per changeset the time until every gateway has it on disk, Redis CPU per
// delivery, the hub store's commit latency with that many blocked gateways, and the key spread over a 3-master Cluster.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Cluster, Redis } from 'ioredis';
import { RedisArtifactStore } from '../../hub/store/redis-artifact-store.js';
import { TestRedisCluster } from '../../test/support/redis-cluster.js';
import { TestRedis } from '../../test/support/redis-server.js';
import type { FleetMessage, FleetWorkerData } from '../gateway-fleet-worker.js';
import { measure } from '../measurement.js';
import type { Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import type { Target } from '../targets.js';

const LABELS = Array.from({ length: 10 }, (_, i) => `scale-${i}`);
const SYNCED_PATH = 'synapse-configs/default/api/ScaleSeed.xml';
const SYNC_TIMEOUT_MS = 900_000;
const LAND_TIMEOUT_MS = 60_000;
/**
 * The fleet runs in two worker threads, one per core: in one thread, 1,000 gateways' JavaScript (each a whole agent on
 * its own machine in real life) queued behind each other and the run measured that thread, not Redis or the disk.
 */
const FLEET_WORKERS = 2;

/** The targets of issue 13, checked against this scenario's measurements. */
export const GATEWAY_SCALE_TARGETS: readonly Target[] = [
  { scenario: 'idle 1,000 gw × 10 labels', metric: 'Redis CPU % of a core', subject: 'scale.1000gw.idle-redis-cpu', stat: 'max', maxValue: 5, text: '< 5 %' },
  { scenario: 'one changeset → 1,000 gw', metric: 'all on disk p99 ms', subject: 'scale.1000gw.all-on-disk', stat: 'p99', maxValue: 1000, text: '≤ 1 s' },
  { scenario: 'one changeset → 1,000 gw', metric: 'Redis CPU µs per delivery', subject: 'scale.1000gw.redis-cpu-per-delivery', stat: 'median', maxValue: 50, text: '≤ 50 µs' },
  { scenario: 'hub commit, 1,000 blocked gw', metric: 'p99 ms', subject: 'scale.1000gw.commit', stat: 'p99',
    baseline: { id: 'scale.10gw.commit', stat: 'p99' }, maxRatio: 2, text: '≤ 2× p99 with 10' },
  { scenario: 'Cluster, 3 masters, 12 labels', metric: 'largest master share %', subject: 'scale.cluster-12labels.max-master-share', stat: 'max', maxValue: 50, text: '≤ 50 %' },
];

/** Redis' own CPU time (user + sys) in seconds. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

function storeOn(redis: Redis | Cluster): RedisArtifactStore {
  return new RedisArtifactStore(redis, { historyLimit: 20, streamMaxlen: 10_000, conflictPolicy: 'last-writer-wins', now: () => Date.now() });
}

/** `npm run bench -- --only gateway-scale`; quick runs stop at 100 gateways. */
export const gatewayScaleScenario: Scenario = {
  name: 'gateway-scale',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    const redis = await TestRedis.start({ extraArgs: ['--maxclients', '10000'] });
    const client = redis.client();
    try {
      const store = storeOn(client);
      for (const label of LABELS) {
        await store.commitChangeset({ label, node: 'bench', changes: [{ op: 'put', path: SYNCED_PATH, content: Buffer.from(`<api name="ScaleSeed" context="/${label}"/>`) }] });
      }
      for (const gateways of ctx.quick ? [10, 100] : [10, 100, 1000]) {
        measurements.push(...(await runFleet(ctx, client, store, redis.url, gateways, notes)));
      }
    } finally {
      client.disconnect();
      await redis.destroy();
    }
    measurements.push(await clusterSpread(ctx));
    return { measurements, notes };
  },
};

async function runFleet(ctx: ScenarioContext, client: Redis, store: RedisArtifactStore, url: string, gateways: number, notes: string[]): Promise<Measurement[]> {
  ctx.log(`gateway scale: starting ${gateways} gateways × ${LABELS.length} labels`);
  const root = await ctx.scratch.freshDir(`scale-${gateways}`);
  const landed: Array<{ gateway: number; at: number }> = [];
  let syncedWorkers = 0;
  let stoppedWorkers = 0;
  let synced: ((ms: number) => void) | undefined;
  let stopped: (() => void) | undefined;
  const workers: Worker[] = [];
  const syncedMs = new Promise<number>((resolve, reject) => {
    synced = resolve;
    setTimeout(() => reject(new Error(`${gateways} gateways not synced within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS).unref();
    for (let part = 0; part < FLEET_WORKERS; part += 1) {
      const first = Math.floor((gateways * part) / FLEET_WORKERS);
      const count = Math.floor((gateways * (part + 1)) / FLEET_WORKERS) - first;
      const data: FleetWorkerData = { redisUrl: url, root, first, gateways: count, labels: LABELS, syncedPath: SYNCED_PATH };
      const worker = new Worker(new URL('../gateway-fleet-worker.js', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 4096 } });
      worker.once('error', reject);
      worker.on('message', (message: FleetMessage) => {
        if (message.type === 'landed') landed.push(message);
        else if (message.type === 'synced') {
          syncedWorkers += 1;
          if (syncedWorkers === FLEET_WORKERS) synced?.(message.ms);
        } else {
          stoppedWorkers += 1;
          if (stoppedWorkers === FLEET_WORKERS) stopped?.();
        }
      });
      workers.push(worker);
    }
  });
  try {
    notes.push(`${gateways} gateways: all synced after ${Math.round(await syncedMs)} ms`);
    const idleSeconds = ctx.quick ? 5 : 15;
    await sleep(2_000);
    const idleStart = await redisCpuSeconds(client);
    await sleep(idleSeconds * 1000);
    const idleRate = (await redisCpuSeconds(client) - idleStart) / idleSeconds;
    const commits: number[] = [];
    const allOnDisk: number[] = [];
    const perDelivery: number[] = [];
    for (let n = 1; n <= (ctx.quick ? 10 : 30); n += 1) {
      landed.length = 0;
      const cpuBefore = await redisCpuSeconds(client);
      const startedAt = performance.timeOrigin + performance.now();
      const began = performance.now();
      await store.commitChangeset({ label: LABELS[0] as string, node: 'bench', changes: [{ op: 'put', path: 'synapse-configs/default/api/ScaleEdit.xml', content: Buffer.from(`<api name="ScaleEdit" n="${n}"/>`) }] });
      commits.push(performance.now() - began);
      const deadline = performance.now() + LAND_TIMEOUT_MS;
      while (new Set(landed.map((item) => item.gateway)).size < gateways) {
        if (performance.now() > deadline) throw new Error(`changeset ${n} reached ${new Set(landed.map((item) => item.gateway)).size} of ${gateways} gateways`);
        await sleep(2);
      }
      const last = Math.max(...firstLandings(landed).values());
      allOnDisk.push(last - startedAt);
      const elapsed = (performance.timeOrigin + performance.now() - startedAt) / 1000;
      perDelivery.push(Math.max(0, (await redisCpuSeconds(client)) - cpuBefore - idleRate * elapsed) * 1e6 / gateways);
      await sleep(200);
    }
    return [
      measure(`scale.${gateways}gw.idle-redis-cpu`, 'artisync', `idle Redis CPU, ${gateways} gw × ${LABELS.length} labels`, '%', [idleRate * 100]),
      measure(`scale.${gateways}gw.all-on-disk`, 'artisync', `one changeset → all ${gateways} gw on disk`, 'ms', allOnDisk),
      measure(`scale.${gateways}gw.redis-cpu-per-delivery`, 'artisync', `Redis CPU per delivery, ${gateways} gw`, 'µs', perDelivery),
      measure(`scale.${gateways}gw.commit`, 'artisync', `hub store commit, ${gateways} blocked gw`, 'ms', commits),
    ];
  } finally {
    const done = new Promise<void>((resolve) => {
      stopped = resolve;
      setTimeout(resolve, 30_000).unref();
    });
    for (const worker of workers) worker.postMessage('stop');
    await done;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function firstLandings(landed: ReadonlyArray<{ gateway: number; at: number }>): Map<number, number> {
  const first = new Map<number, number>();
  for (const item of landed) if (!first.has(item.gateway)) first.set(item.gateway, item.at);
  return first;
}

/** 12 labels of 3 artifacts each on a 3-master Cluster: the largest share of keys any one master holds. */
async function clusterSpread(ctx: ScenarioContext): Promise<Measurement> {
  ctx.log('gateway scale: key spread over a 3-master Cluster, 12 labels');
  const cluster = await TestRedisCluster.start({ masters: 3 });
  const client = cluster.client();
  try {
    const store = storeOn(client);
    for (let label = 0; label < 12; label += 1) {
      const changes = Array.from({ length: 3 }, (_, i) => ({ op: 'put' as const, path: `synapse-configs/default/api/Spread${i}.xml`, content: Buffer.from(`<api l="${label}" i="${i}"/>`) }));
      await store.commitChangeset({ label: `Label${label}`, node: 'bench', changes });
    }
    const counts = [...(await cluster.keysPerMaster()).values()];
    const total = counts.reduce((sum, count) => sum + count, 0);
    return measure('scale.cluster-12labels.max-master-share', 'artisync', `largest master's share of ${total} keys, 12 labels`, '%', [100 * Math.max(...counts) / total]);
  } finally {
    client.disconnect();
    await cluster.destroy();
  }
}
