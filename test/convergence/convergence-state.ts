// The state a convergence run's ops share, and the small writes several ops are made of.
import type { Random } from '../../bench/mulberry32.js';
import { writeArtifact } from '../support/sample-artifacts.js';
import type { ConvergenceCluster } from './convergence-cluster.js';
import { RUN_KINDS, validContent, type ConvergenceModel, type PublisherSpec } from './convergence-model.js';

/** State of one run while its schedule executes. */
export interface RunState {
  random: Random;
  model: ConvergenceModel;
  cluster: ConvergenceCluster;
  /** gateway → path → what was put there by hand (null: deleted by hand); these are overrides the hub must not undo. */
  manual: Map<string, Map<string, string | null>>;
  counter: number;
  /** Paths both labels may hold; a gateway shows the one of its earliest label. */
  shared: string[];
  outage: { kind: 'hub' | 'redis'; opsLeft: number } | undefined;
  /** When the run started (ms since the epoch), the time a replay re-applies from. */
  startedAt: number;
  /** What the schedule did, each line stamped with the wall clock so it can be matched with agents' log times. */
  trace: string[];
  ops: Record<string, number>;
}

/** Adds a line to the run's trace, stamped with the wall clock. */
export function note(state: RunState, line: string): void {
  state.trace.push(`${Date.now()} ${line}`);
}

/** A path this publisher has not written yet: its own, or sometimes one the other label also holds (label precedence). */
export function newPath(state: RunState, publisher: PublisherSpec): string {
  if (state.random.next() < 0.2) {
    const onDisk = new Set(state.model.pathsOnDisk(publisher));
    const joinable = state.shared.filter((path) => !onDisk.has(path));
    if (joinable.length > 0 && state.random.next() < 0.6) return state.random.pick(joinable);
    const kind = state.random.pick(RUN_KINDS);
    const path = `synapse-configs/default/${kind.folder}/Shared${kind.root}${state.counter++}.xml`;
    state.shared.push(path);
    return path;
  }
  const kind = state.random.pick(RUN_KINDS);
  return `synapse-configs/default/${kind.folder}/${publisher.prefix}${kind.root}${state.counter++}.xml`;
}

/** The root element of files in `path`'s folder. */
export function rootOf(path: string): string {
  const folder = path.split('/')[2];
  return RUN_KINDS.find((kind) => kind.folder === folder)?.root ?? 'api';
}

/** The artifact name a file at `path` declares. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1, -'.xml'.length);
}

/** Writes new valid content to `path` on `publisher`'s disk and records it in the model. */
export async function writeValid(state: RunState, publisher: PublisherSpec, path: string): Promise<void> {
  const content = validContent(rootOf(path), nameOf(path), `m${state.counter++}`);
  state.model.wrote(publisher, path, content, true);
  note(state, `write ${publisher.nodeId} ${path}`);
  await writeArtifact(state.cluster.agent(publisher.nodeId).node.serverRoot, path, content);
}
