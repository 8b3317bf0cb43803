// What `artisync status` finds wrong with the nodes the hub lists: gateways behind the hub's heads or failing to apply,
// nodes frozen or down.
import type { GatewayLabelState, NodeStatus } from '../core/hub-api.js';
import { compareStreamIds } from '../agent/gateway/stream-id.js';
import { deployFailureProblems } from './deploy-failure-problems.js';
import { formatAge, formatTable, type TableColumn } from './format-table.js';

/** Without --stale-after and without the node's interval (an older agent), a heartbeat this old counts as frozen. */
const DEFAULT_STALE_MS = 30_000;
/** Heartbeats a node may miss before it counts as frozen, when --stale-after is not given. */
const MISSED_HEARTBEATS = 3;
/** Floor of the derived threshold, so a busy machine's late heartbeat is not taken for a frozen node. */
const MIN_STALE_MS = 10_000;

/** Thresholds for a healthy node. */
export interface HealthLimits {
  /** Now, in ms since the epoch (hub clock assumed close to ours). */
  now: number;
  /** Stream entries a gateway may be behind on any label. */
  maxLag: number;
  /** A node whose last heartbeat is older than this is frozen or down; undefined: derived from its heartbeat interval. */
  staleAfterMs?: number;
  /** Per label, the head each gateway must have applied (the hub's when status started); else each state's hubRevision. */
  targets?: ReadonlyMap<string, string>;
}

/** One thing wrong with one node (and label): `lag` behind the head, `failing` applies, `stale` (frozen or down). */
export interface NodeProblem {
  node: string;
  label?: string;
  kind: 'lag' | 'failing' | 'stale' | 'held-deletes' | 'deploy-failed';
  /** Short word for the table: behind, failing, frozen or held-deletes. */
  reason: 'behind' | 'failing' | 'frozen' | 'held-deletes' | 'deploy-failed';
  message: string;
}

/** The heartbeat age past which `node` counts as frozen. */
export function staleLimitOf(node: NodeStatus, staleAfterMs: number | undefined): number {
  if (staleAfterMs !== undefined) return staleAfterMs;
  if (node.heartbeatIntervalMs === undefined) return DEFAULT_STALE_MS;
  return Math.max(MISSED_HEARTBEATS * node.heartbeatIntervalMs, MIN_STALE_MS);
}

/** Per label, the head revision the hub reported (the first gateway's copy of it), to hold gateways to. */
export function hubHeads(nodes: readonly NodeStatus[]): Map<string, string> {
  const heads = new Map<string, string>();
  for (const node of nodes) {
    for (const [label, state] of Object.entries(node.gatewayLabels)) if (state.hubRevision !== undefined && !heads.has(label)) heads.set(label, state.hubRevision);
  }
  return heads;
}

/** Lists every frozen node and every gateway label that is behind or failing, in node order; one problem per node and label. */
export function findNodeProblems(nodes: readonly NodeStatus[], limits: HealthLimits): NodeProblem[] {
  const problems: NodeProblem[] = [];
  for (const node of sortNodes(nodes)) {
    const age = limits.now - node.lastSeen;
    const limit = staleLimitOf(node, limits.staleAfterMs);
    if (age > limit) {
      // A frozen node's label states are as old as its last heartbeat: the one line says what is known.
      problems.push({ node: node.node, kind: 'stale', reason: 'frozen', message: `${node.node} is frozen or down: no heartbeat for ${formatAge(age)} (limit ${formatAge(limit)})` });
      continue;
    }
    for (const hold of node.heldDeletes ?? []) {
      const message = `${node.node} holds ${hold.count} deletes of ${hold.label} (${hold.count} of ${hold.artifacts} artifacts, over mass_delete_guard); `
        + `put the files back, or run \`artisync deletes confirm ${hold.label}\` on ${node.node}`;
      problems.push({ node: node.node, kind: 'held-deletes', reason: 'held-deletes', message });
    }
    problems.push(...deployFailureProblems(node));
    for (const [label, state] of Object.entries(node.gatewayLabels)) {
      const problem = labelProblem(node.node, label, state, limits);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems;
}

function labelProblem(node: string, label: string, state: GatewayLabelState, limits: HealthLimits): NodeProblem | undefined {
  if (state.failing !== undefined) {
    const { count, paths, reason } = state.failing;
    const what = count === 0 ? 'sync failing' : `${count} ${count === 1 ? 'path' : 'paths'} not applied (${paths.join(', ')}${count > paths.length ? ', …' : ''})`;
    return { node, label, kind: 'failing', reason: 'failing', message: `${node} ${label}: failing: ${what}: ${reason}` };
  }
  const target = limits.targets?.get(label) ?? state.hubRevision;
  if (target === undefined) {
    // A hub that does not report heads: the lag it counted is all there is.
    if (state.lag <= limits.maxLag) return undefined;
    return { node, label, kind: 'lag', reason: 'behind', message: `${node} is ${state.lag} entries behind on ${label} (limit ${limits.maxLag})` };
  }
  if (compareStreamIds(state.appliedRevision, target) >= 0) return undefined;
  const entries = Math.max(state.lag, 1);
  if (entries <= limits.maxLag) return undefined;
  const pending = state.pendingEntries === undefined || state.pendingEntries === 0 ? '' : `, ${state.pendingEntries} delivered but not acknowledged`;
  return {
    node, label, kind: 'lag', reason: 'behind',
    message: `${node} ${label}: behind: applied ${state.appliedRevision}, hub head ${target}, ${entries} ${entries === 1 ? 'entry' : 'entries'} (limit ${limits.maxLag})${pending}`,
  };
}

/** Nodes sorted by id, so output is stable. */
export function sortNodes(nodes: readonly NodeStatus[]): NodeStatus[] {
  return [...nodes].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

function labelsCell(node: NodeStatus): string {
  const published = node.publisherLabels.map((label) => `pub:${label}`);
  const subscribed = Object.keys(node.gatewayLabels).map((label) => `gw:${label}`);
  return [...published, ...subscribed].join(', ') || '-';
}

function appliedCell(node: NodeStatus): string {
  const states = Object.entries(node.gatewayLabels);
  if (states.length === 0) return '-';
  return states.map(([label, state]) => `${label}@${state.appliedRevision} lag ${state.lag}${state.state === undefined || state.state === 'ok' ? '' : ` (${state.state})`}`).join(', ');
}

function stateCell(node: NodeStatus, problems: readonly NodeProblem[]): string {
  const mine = problems.filter((problem) => problem.node === node.node);
  if (mine.length === 0) return 'ok';
  return mine.map((problem) => (problem.label === undefined ? problem.reason : `${problem.reason} ${problem.label}`)).join(', ');
}

function verificationCell(node: NodeStatus, now: number): string {
  const verification = node.lastVerification;
  if (verification === undefined) return '-';
  const outcome = verification.ok ? 'ok' : 'drift';
  const repaired = verification.repaired > 0 ? `, ${verification.repaired} repaired` : '';
  return `${outcome} ${formatAge(now - verification.at)} ago${repaired}`;
}

/** Formats the nodes as the `status` table; STATE shows each node's problems (ok when it has none). */
export function formatNodeTable(nodes: readonly NodeStatus[], now: number, problems: readonly NodeProblem[] = []): string {
  const columns: TableColumn<NodeStatus>[] = [
    { header: 'NODE', cell: (node) => node.node },
    { header: 'ROLES', cell: (node) => node.roles.join(',') || '-' },
    { header: 'LABELS', cell: labelsCell },
    { header: 'STATE', cell: (node) => stateCell(node, problems) },
    { header: 'APPLIED', cell: appliedCell },
    { header: 'LAST SEEN', cell: (node) => `${formatAge(now - node.lastSeen)} ago` },
    { header: 'OVERRIDES', cell: (node) => String(node.overrides.length), align: 'right' },
    { header: 'INVALID', cell: (node) => String(node.invalid.length), align: 'right' },
    { header: 'VERIFIED', cell: (node) => verificationCell(node, now) },
  ];
  return formatTable(sortNodes(nodes), columns);
}
