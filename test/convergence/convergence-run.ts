// One seeded convergence run: a random schedule of edits and faults against real processes, then the checks that
// every gateway equals the hub, every head is the last valid write, nothing invalid was stored and nobody saw a partial file.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRandom } from '../../bench/mulberry32.js';
import { redisKeys } from '../../core/redis-keys.js';
import { deleteArtifact, deleteArtifactIfPresent, writeArtifact } from '../support/sample-artifacts.js';
import { readTrees } from '../support/test-cluster.js';
import { ConvergenceCluster, RUN_PUBLISHERS } from './convergence-cluster.js';
import { ConvergenceModel, invalidContent, validContent, type PublisherSpec } from './convergence-model.js';
import { folderAwayAndBack, handEditDuringReplay, lostStreamReply, redisRollback, removeThenWrite } from './convergence-fault-ops.js';
import { nameOf, newPath, note, rootOf, writeValid, type RunState } from './convergence-state.js';
import { findStoredProblems, settle } from './convergence-checks.js';
import { PartialFilePoller } from './partial-file-poller.js';

/** How long and with what seed to run. */
export interface ConvergenceOptions {
  seed: number;
  steps: number;
  settleTimeoutMs?: number;
  /** False leaves out the Redis-rollback op (Redis restored from an older copy of its AOF), to tell faults apart. */
  redisRollback?: boolean;
  /** False leaves out the folder-away-and-back op. */
  folderBounce?: boolean;
  log?: (message: string) => void;
}

/** What a passing run did. */
export interface ConvergenceReport {
  seed: number;
  steps: number;
  ops: Record<string, number>;
  pollerPasses: number;
  /** Gateway stream replies the proxy cut (a lost-reply op whose entry no gateway read before the next one is not cut). */
  repliesCut: number;
}

type Op = 'write' | 'edit' | 'delete' | 'rename' | 'invalid' | 'truncated' | 'manual' | 'kill-agent' | 'kill-hub' | 'hub-away' | 'kill-redis'
  | 'lost-reply' | 'folder-bounce' | 'rm-write' | 'replay-edit' | 'redis-rollback';
const WEIGHTS: Array<[Op, number]> = [
  ['write', 24], ['edit', 22], ['delete', 8], ['rename', 6], ['invalid', 8], ['truncated', 6],
  ['manual', 3], ['kill-agent', 5], ['kill-hub', 3], ['hub-away', 3], ['kill-redis', 3],
  ['lost-reply', 4], ['folder-bounce', 3], ['rm-write', 4], ['replay-edit', 3], ['redis-rollback', 3],
];
/** Ops that restart a process or need the hub and Redis up: none of them runs during an outage. */
const FAULTS: readonly Op[] = ['kill-agent', 'kill-hub', 'hub-away', 'kill-redis', 'replay-edit', 'redis-rollback'];
const INITIAL_FILES = 6;
const OUTAGE_OPS = 3;

/** Runs the schedule and the checks; throws an Error naming the seed and what broke. */
export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceReport> {
  const cluster = await ConvergenceCluster.start();
  const state: RunState = {
    random: createRandom(options.seed), model: new ConvergenceModel(RUN_PUBLISHERS), cluster, manual: new Map(),
    counter: 0, shared: [], outage: undefined, startedAt: Date.now(), trace: [], ops: {},
  };
  const poller = new PartialFilePoller(
    cluster.gateways.map((gateway) => ({ nodeId: gateway.node.nodeId, serverRoot: gateway.node.serverRoot })),
    (gateway, path, content) => state.model.wasValid(path, content) || state.manual.get(gateway)?.get(path) === content,
  );
  try {
    for (const publisher of RUN_PUBLISHERS) for (let i = 0; i < INITIAL_FILES; i += 1) await writeValid(state, publisher, newPath(state, publisher));
    for (let step = 0; step < options.steps; step += 1) {
      const op = pickOp(state, disabledOps(options));
      state.ops[op] = (state.ops[op] ?? 0) + 1;
      await runOp(state, op);
      await endOutageStep(state);
      options.log?.(`step ${step}: ${state.trace[state.trace.length - 1] ?? op}`);
    }
    while (state.outage !== undefined) await endOutageStep(state);
    await fixInvalidFiles(state);
    await settle(state, options.settleTimeoutMs ?? 120_000);
    await poller.stop();
    const problems = [...poller.violations, ...(await findStoredProblems(state))];
    if (problems.length > 0) throw new Error(problems.join('\n'));
    return { seed: options.seed, steps: options.steps, ops: state.ops, pollerPasses: poller.passes, repliesCut: cluster.gatewayProxy.repliesCut };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const paths = new Set(message.match(/(?:synapse-configs|executionplans)\/[^\s,;]+\.xml/g) ?? []);
    const related = state.trace.map((line, index) => `#${index} ${line}`).filter((line) => [...paths].some((path) => line.includes(path)));
    throw new Error(`convergence run failed (seed ${options.seed}; rerun with ARTISYNC_SEED=${options.seed}):\n${message}\n`
      + `ops on those paths:\n${related.join('\n')}\nlast ops:\n${state.trace.slice(-25).join('\n')}\n${agentWarnings(cluster)}\n${agentLinesAbout(cluster, paths)}\n`
      + `${await gatewayStates(cluster)}`);
  } finally {
    await poller.stop();
    await cluster.destroy();
  }
}

/** The last warnings and errors each agent logged (its current process only), for a failure message. */
function agentWarnings(cluster: ConvergenceCluster): string {
  return [...cluster.agents.values()].map((agent) => {
    const lines = agent.node.daemon.logs.filter((line) => (line.level ?? 0) >= 40).slice(-8);
    return `${agent.node.nodeId} warnings:\n${lines.map((line) => `  ${JSON.stringify(line).slice(0, 400)}`).join('\n')}`;
  }).join('\n');
}

/** What each gateway and Redis say about it (status, overrides, verify, consumer groups), for a failure message. */
async function gatewayStates(cluster: ConvergenceCluster): Promise<string> {
  const ask = async (url: string): Promise<string> => {
    try {
      return (await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text()).slice(0, 1_500);
    } catch (err) {
      return `unanswered: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const lines: string[] = [`hub nodes: ${cluster.hub === undefined ? 'no hub' : await ask(`${cluster.hub.url}/v1/nodes`)}`];
  for (const gateway of cluster.gateways) {
    lines.push(`${gateway.node.nodeId} overrides: ${await ask(`${gateway.node.adminUrl}/v1/overrides`)}`);
    lines.push(`${gateway.node.nodeId} verify: ${await ask(`${gateway.node.adminUrl}/v1/verify`)}`);
  }
  const client = cluster.redis.client();
  try {
    for (const publisher of RUN_PUBLISHERS) {
      const stream = redisKeys.stream(publisher.label);
      const last = await client.xrevrange(stream, '+', '-', 'COUNT', 1);
      lines.push(`${publisher.label} stream last ${last[0]?.[0] ?? 'none'}; groups ${JSON.stringify(await client.call('XINFO', 'GROUPS', stream))}`);
    }
  } catch (err) {
    lines.push(`redis unanswered: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    client.disconnect();
  }
  return lines.join('\n');
}

/** Every log line (earlier processes included) of any agent that names one of `paths`, for a failure message. */
function agentLinesAbout(cluster: ConvergenceCluster, paths: Set<string>): string {
  const lines: string[] = [];
  for (const agent of cluster.agents.values()) {
    for (const line of [...agent.pastLogs, ...agent.node.daemon.logs]) {
      const text = JSON.stringify(line);
      if ([...paths].some((path) => text.includes(path))) lines.push(`${agent.node.nodeId}: ${text.slice(0, 400)}`);
    }
  }
  return `agent lines about those paths:\n${lines.slice(-60).join('\n')}`;
}

/** The ops a run leaves out because its options say so. */
function disabledOps(options: ConvergenceOptions): Op[] {
  return [...(options.redisRollback === false ? ['redis-rollback' as const] : []), ...(options.folderBounce === false ? ['folder-bounce' as const] : [])];
}

function pickOp(state: RunState, disabled: readonly Op[]): Op {
  // During an outage no other process restarts: an agent's readiness may need the hub or Redis.
  const allowed = WEIGHTS.filter(([op]) => (state.outage === undefined || !FAULTS.includes(op)) && !disabled.includes(op));
  const total = allowed.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = state.random.next() * total;
  for (const [op, weight] of allowed) {
    roll -= weight;
    if (roll < 0) return op;
  }
  return 'write';
}

async function runOp(state: RunState, op: Op): Promise<void> {
  const publisher = state.random.pick(RUN_PUBLISHERS);
  const existing = state.model.pathsOnDisk(publisher);
  const serverRoot = state.cluster.agent(publisher.nodeId).node.serverRoot;
  switch (op) {
    case 'write':
      return writeValid(state, publisher, newPath(state, publisher));
    case 'edit':
      return writeValid(state, publisher, existing.length > 0 ? state.random.pick(existing) : newPath(state, publisher));
    case 'delete': {
      if (existing.length <= INITIAL_FILES / 2) return writeValid(state, publisher, newPath(state, publisher));
      const path = state.random.pick(existing);
      state.model.deleted(publisher, path);
      note(state, `delete ${publisher.nodeId} ${path}`);
      return deleteArtifact(serverRoot, path);
    }
    case 'rename':
      return renameFile(state, publisher, existing);
    case 'invalid': {
      const path = existing.length > 0 && state.random.next() < 0.5 ? state.random.pick(existing) : newPath(state, publisher);
      const content = invalidContent(rootOf(path), nameOf(path), `bad${state.counter++}`);
      state.model.wrote(publisher, path, content, false);
      note(state, `invalid ${publisher.nodeId} ${path}`);
      return writeArtifact(serverRoot, path, content);
    }
    case 'truncated':
      return writeTruncated(state, publisher, existing.length > 0 ? state.random.pick(existing) : newPath(state, publisher));
    case 'lost-reply':
      return lostStreamReply(state, publisher);
    case 'folder-bounce':
      return folderAwayAndBack(state, publisher);
    case 'rm-write':
      return removeThenWrite(state, publisher);
    default:
      return runFault(state, op);
  }
}

async function runFault(state: RunState, op: Op): Promise<void> {
  const { cluster, random } = state;
  if (op === 'manual') return manualChange(state);
  if (op === 'replay-edit') return handEditDuringReplay(state);
  if (op === 'redis-rollback') {
    if (await redisRollback(state)) state.outage = { kind: 'redis', opsLeft: OUTAGE_OPS + 1 };
    return;
  }
  if (op === 'kill-agent') {
    const nodeId = random.pick([...cluster.agents.keys()]);
    note(state, `SIGKILL + restart ${nodeId}`);
    return cluster.killAndRestartAgent(nodeId);
  }
  if (op === 'kill-hub') {
    note(state, 'SIGKILL + restart hub');
    await cluster.killHub();
    return cluster.startHub();
  }
  note(state, op === 'hub-away' ? `hub away for ${OUTAGE_OPS} ops` : `SIGKILL redis for ${OUTAGE_OPS} ops`);
  state.outage = { kind: op === 'hub-away' ? 'hub' : 'redis', opsLeft: OUTAGE_OPS + 1 };
  if (op === 'hub-away') await cluster.killHub();
  else await cluster.killRedis();
}

/** A hand edit on a gateway: a new file, a changed synced file, or a deleted one. Each becomes an override. */
async function manualChange(state: RunState): Promise<void> {
  const gateway = state.random.pick(state.cluster.gateways);
  const drops = state.manual.get(gateway.node.nodeId) ?? new Map<string, string | null>();
  state.manual.set(gateway.node.nodeId, drops);
  const synced = [...(await readTrees(gateway.node.serverRoot)).keys()].filter((path) => !drops.has(path) && !path.split('/').some((part) => part.startsWith('.')));
  const kind = state.random.pick(['add', 'change', 'delete'] as const);
  if (kind === 'add' || synced.length === 0) {
    const path = `synapse-configs/default/api/Manual-${gateway.node.nodeId}-${state.counter}.xml`;
    const content = validContent('api', nameOf(path), `manual${state.counter++}`);
    drops.set(path, content);
    note(state, `manual add ${gateway.node.nodeId} ${path}`);
    return writeArtifact(gateway.node.serverRoot, path, content);
  }
  const path = state.random.pick(synced);
  if (kind === 'delete') {
    // The gateway may have removed the file itself (a hub delete) since the trees were read: then nobody deleted it
    // by hand, and no override can be expected.
    const deleted = await deleteArtifactIfPresent(gateway.node.serverRoot, path);
    if (deleted) drops.set(path, null);
    note(state, deleted ? `manual delete ${gateway.node.nodeId} ${path}` : `manual delete ${gateway.node.nodeId} ${path}: already gone`);
    return;
  }
  const content = validContent(rootOf(path), nameOf(path), `manual${state.counter++}`);
  drops.set(path, content);
  note(state, `manual change ${gateway.node.nodeId} ${path}`);
  return writeArtifact(gateway.node.serverRoot, path, content);
}

async function endOutageStep(state: RunState): Promise<void> {
  if (state.outage === undefined) return;
  state.outage.opsLeft -= 1;
  if (state.outage.opsLeft > 0) return;
  note(state, state.outage.kind === 'hub' ? 'hub back' : 'redis back');
  if (state.outage.kind === 'hub') await state.cluster.startHub();
  else await state.cluster.restartRedis();
  state.outage = undefined;
}

/** Writes the first half in place (as a slow copy would), then the whole file. */
async function writeTruncated(state: RunState, publisher: PublisherSpec, path: string): Promise<void> {
  const content = validContent(rootOf(path), nameOf(path), `t${state.counter++}`);
  const target = join(state.cluster.agent(publisher.nodeId).node.serverRoot, path);
  note(state, `truncated then whole ${publisher.nodeId} ${path}`);
  await writeArtifact(state.cluster.agent(publisher.nodeId).node.serverRoot, path, content.slice(0, Math.floor(content.length / 2)));
  state.model.wrote(publisher, path, content, true);
  await writeFile(target, content);
}

async function renameFile(state: RunState, publisher: PublisherSpec, existing: string[]): Promise<void> {
  if (existing.length <= INITIAL_FILES / 2) return writeValid(state, publisher, newPath(state, publisher));
  const from = state.random.pick(existing);
  const file = state.model.fileOnDisk(publisher, from);
  if (file === undefined) return;
  const to = `${from.slice(0, from.lastIndexOf('/') + 1)}${publisher.prefix}renamed${state.counter++}.xml`;
  state.model.deleted(publisher, from);
  state.model.wrote(publisher, to, file.content, file.valid);
  note(state, `rename ${publisher.nodeId} ${from} -> ${to}`);
  const root = state.cluster.agent(publisher.nodeId).node.serverRoot;
  await rename(join(root, from), join(root, to));
}

/**
 * Rewrites every file still invalid on a publisher's disk with valid content. A valid edit overwritten by an invalid
 * one before the publisher could push it (say, while the hub was away) is never seen by the hub: the publisher sends
 * what is on disk when it reads. Once every file is fixed, the heads must equal the disks exactly.
 */
async function fixInvalidFiles(state: RunState): Promise<void> {
  for (const publisher of RUN_PUBLISHERS) {
    for (const path of state.model.pathsOnDisk(publisher)) {
      if (state.model.fileOnDisk(publisher, path)?.valid === false) await writeValid(state, publisher, path);
    }
  }
}
