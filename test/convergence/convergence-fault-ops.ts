// The convergence run's ops for the faults of issue 12: a lost stream reply, a folder moved away and back, a file
// replaced by rm then a write, a hand edit during a replay, and Redis rolled back to an older copy of its AOF.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HUB_ROUTES } from '../../core/hub-api.js';
import { deleteArtifact, writeArtifact } from '../support/sample-artifacts.js';
import { readTrees } from '../support/test-cluster.js';
import { RUN_KINDS, validContent, type PublisherSpec } from './convergence-model.js';
import { nameOf, newPath, note, rootOf, writeValid, type RunState } from './convergence-state.js';

/**
 * A write whose stream entry never reaches the first gateway that reads it: the proxy resets that gateway's Redis
 * connection instead of forwarding the reply. The commit script's JSON escapes `/` as `\/`, so the marker matches the
 * stream entry and not the heads hash, which holds the path as written.
 */
export async function lostStreamReply(state: RunState, publisher: PublisherSpec): Promise<void> {
  const path = newPath(state, publisher);
  state.cluster.gatewayProxy.cutReplyContaining(`\\/${nameOf(path)}.xml"`);
  note(state, `lost reply for the next stream read of ${path}`);
  await writeValid(state, publisher, path);
}

/**
 * `mv F F.moved && mv F.moved F` on a publisher, at once or with a short pause. The heads do not change, but F.moved's
 * copies are valid artifacts the publisher may publish for a moment, so gateways may show them until they are deleted.
 */
export async function folderAwayAndBack(state: RunState, publisher: PublisherSpec): Promise<void> {
  const onDisk = state.model.pathsOnDisk(publisher);
  const folders = RUN_KINDS.map((kind) => `synapse-configs/default/${kind.folder}`).filter((folder) => onDisk.some((path) => path.startsWith(`${folder}/`)));
  if (folders.length === 0) return writeValid(state, publisher, newPath(state, publisher));
  const picked = state.random.pick(folders);
  const folder = join(state.cluster.agent(publisher.nodeId).node.serverRoot, picked);
  const pauseMs = state.random.pick([0, 0, 100, 400]);
  note(state, `folder away (${picked}.moved) and back after ${pauseMs} ms ${publisher.nodeId} ${picked}`);
  for (const path of onDisk.filter((candidate) => candidate.startsWith(`${picked}/`))) {
    const file = state.model.fileOnDisk(publisher, path);
    if (file?.valid === true) state.model.mayShow(`${picked}.moved/${path.slice(picked.length + 1)}`, file.content);
  }
  await rename(folder, `${folder}.moved`);
  // The pause is the fault itself (how long the folder is missing), not a wait for anything.
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  await rename(`${folder}.moved`, folder);
}

/** One file removed, then written with new valid content 50 ms later (as an editor or a deploy script may do). */
export async function removeThenWrite(state: RunState, publisher: PublisherSpec): Promise<void> {
  const existing = state.model.pathsOnDisk(publisher);
  if (existing.length === 0) return writeValid(state, publisher, newPath(state, publisher));
  const path = state.random.pick(existing);
  const serverRoot = state.cluster.agent(publisher.nodeId).node.serverRoot;
  note(state, `rm then write ${publisher.nodeId} ${path}`);
  await deleteArtifact(serverRoot, path);
  // The gap is the fault itself: how long the file is missing before its new content arrives.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const content = validContent(rootOf(path), nameOf(path), `rw${state.counter++}`);
  state.model.wrote(publisher, path, content, true);
  await writeArtifact(serverRoot, path, content);
}

/**
 * A replay of one of a gateway's labels from the run's start, with a hand change or delete of a file of that label
 * made just before or while the replay re-applies it: the hand edit must end as an override, never be overwritten.
 */
export async function handEditDuringReplay(state: RunState): Promise<void> {
  const hub = state.cluster.hub;
  if (hub === undefined) return;
  const gateway = state.random.pick(state.cluster.gateways);
  const label = state.random.pick(gateway.labels);
  const drops = state.manual.get(gateway.node.nodeId) ?? new Map<string, string | null>();
  state.manual.set(gateway.node.nodeId, drops);
  const synced = [...(await readTrees(gateway.node.serverRoot)).keys()].filter((path) => !drops.has(path) && !path.split('/').some((part) => part.startsWith('.')));
  const inLabel = synced.filter((path) => state.model.expectedHeads(label).has(path));
  const candidates = inLabel.length > 0 ? inLabel : synced;
  if (candidates.length === 0) return;
  const path = state.random.pick(candidates);
  const content = state.random.next() < 0.7 ? validContent(rootOf(path), nameOf(path), `replayed${state.counter++}`) : null;
  const edit = async (): Promise<void> => {
    drops.set(path, content);
    if (content === null) await deleteArtifact(gateway.node.serverRoot, path);
    else await writeArtifact(gateway.node.serverRoot, path, content);
  };
  const editFirst = state.random.next() < 0.5;
  note(state, `replay ${gateway.node.nodeId} ${label} with a hand ${content === null ? 'delete' : 'change'} ${editFirst ? 'before' : 'during'} it ${path}`);
  if (editFirst) await edit();
  const replay = fetch(`${hub.url}${HUB_ROUTES.replay.replace(':label', encodeURIComponent(label))}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ node: gateway.node.nodeId, since: String(state.startedAt) }), signal: AbortSignal.timeout(10_000),
  });
  if (!editFirst) await edit();
  const reply = await replay;
  if (!reply.ok) throw new Error(`replay of ${label} on ${gateway.node.nodeId} answered ${reply.status}: ${await reply.text()}`);
}

/**
 * First call: copies Redis's data dir. Second call: SIGKILLs Redis and restores that copy (the caller starts it again
 * later), so every write acknowledged in between is lost to the hub; publishers must push those heads again.
 */
export async function redisRollback(state: RunState): Promise<boolean> {
  if (!state.cluster.hasRedisSnapshot) {
    note(state, 'copy of the Redis data dir taken');
    await state.cluster.snapshotRedis();
    return false;
  }
  note(state, 'SIGKILL redis and restore the older copy of its data dir');
  await state.cluster.killRedisAndRestoreSnapshot();
  return true;
}
