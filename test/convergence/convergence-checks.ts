// The end-of-run checks: the cluster settles to what the model expects, the store is sound, and nothing invalid was stored.
import type { ArtifactPath } from '../../core/artifact-path.js';
import { decodeBlob } from '../../core/blob-codec.js';
import type { HistoryEntry } from '../../core/hub-api.js';
import { redisKeys } from '../../core/redis-keys.js';
import { validateArtifact } from '../../core/validate-artifact.js';
import { findStoreProblems, readHeads, sha256Of } from '../support/store-invariants.js';
import { readTrees } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { RUN_PUBLISHERS, type ConvergenceCluster } from './convergence-cluster.js';
import type { ConvergenceModel } from './convergence-model.js';

/** What the checks read from a run. */
export interface SettleInput {
  cluster: ConvergenceCluster;
  model: ConvergenceModel;
  manual: Map<string, Map<string, string | null>>;
}

/** Waits until the hub's heads and every gateway's trees (manual drops aside) are what the model expects. */
export async function settle(state: SettleInput, timeoutMs: number): Promise<void> {
  const client = state.cluster.redis.client();
  let last = '';
  try {
    await waitFor(async () => {
      for (const publisher of RUN_PUBLISHERS) {
        const heads = await readHeads(client, publisher.label);
        const want = state.model.expectedHeads(publisher.label);
        const got = new Set([...heads].map(([path, head]) => `${path} ${head.sha256}`));
        const expected = new Set([...want].map(([path, content]) => `${path} ${sha256Of(content)}`));
        if (got.size !== expected.size || [...expected].some((line) => !got.has(line))) {
          last = `hub heads of ${publisher.label}: missing ${[...expected].filter((line) => !got.has(line)).join(', ')}; extra ${[...got].filter((line) => !expected.has(line)).join(', ')}`;
          return false;
        }
      }
      for (const gateway of state.cluster.gateways) {
        const onDisk = await readTrees(gateway.node.serverRoot);
        const want = state.model.expectedGateway(gateway.labels);
        for (const [path, content] of state.manual.get(gateway.node.nodeId) ?? []) {
          if ((onDisk.get(path) ?? null) !== content) {
            last = `${gateway.node.nodeId}: override ${path} not kept as written by hand`;
            return false;
          }
          onDisk.delete(path);
          want.delete(path);
        }
        if (JSON.stringify([...onDisk]) !== JSON.stringify([...want])) {
          last = `${gateway.node.nodeId}: has ${[...onDisk.keys()].filter((path) => onDisk.get(path) !== want.get(path)).join(', ')}; lacks ${[...want.keys()].filter((path) => onDisk.get(path) !== want.get(path)).join(', ')}`;
          return false;
        }
      }
      return true;
    }, { timeoutMs, intervalMs: 200, message: 'the cluster to settle' });
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nlast difference: ${last}`);
  } finally {
    client.disconnect();
  }
}

/** Store invariants of both labels, and every stored version re-validated: nothing invalid may ever have been stored. */
export async function findStoredProblems(state: SettleInput): Promise<string[]> {
  const client = state.cluster.redis.client();
  try {
    const problems: string[] = [];
    for (const publisher of RUN_PUBLISHERS) {
      problems.push(...(await findStoreProblems(client, publisher.label)).map((problem) => `${publisher.label}: ${problem}`));
      for (const path of await client.hkeys(redisKeys.versions(publisher.label))) {
        for (const raw of await client.lrange(redisKeys.history(publisher.label, path), 0, -1)) {
          const entry = JSON.parse(raw) as HistoryEntry;
          if (entry.op !== 'put') continue;
          const blob = await client.getBuffer(redisKeys.blob(entry.sha256));
          if (blob === null) continue;
          const verdict = validateArtifact(path as ArtifactPath, decodeBlob(blob), { maxArtifactBytes: 5_242_880 });
          if (!verdict.ok) problems.push(`${publisher.label}: stored invalid ${path} v${entry.version}`);
        }
      }
    }
    return problems;
  } finally {
    client.disconnect();
  }
}
