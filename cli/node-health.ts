// What `artisync status` finds wrong with the nodes the hub lists: gateways behind their streams, nodes not seen lately.
import type { NodeStatus } from '../core/hub-api.js';
import { formatAge, formatTable, type TableColumn } from './format-table.js';

/** Thresholds for a healthy node. */
export interface HealthLimits {
  /** Now, in ms since the epoch (hub clock assumed close to ours). */
  now: number;
  /** Stream entries a gateway may be behind on any label. */
  maxLag: number;
  /** A node whose last heartbeat is older than this is stale. */
  staleAfterMs: number;
}

/** One thing wrong with one node. */
export interface NodeProblem {
  node: string;
  kind: 'lag' | 'stale' | 'held-deletes';
  message: string;
}

/** Lists every node that lags or is stale, in node order. */
export function findNodeProblems(nodes: readonly NodeStatus[], limits: HealthLimits): NodeProblem[] {
  const problems: NodeProblem[] = [];
  for (const node of sortNodes(nodes)) {
    const age = limits.now - node.lastSeen;
    if (age > limits.staleAfterMs) {
      problems.push({ node: node.node, kind: 'stale', message: `${node.node} has not been seen for ${formatAge(age)} (limit ${formatAge(limits.staleAfterMs)})` });
    }
    for (const hold of node.heldDeletes ?? []) {
      const message = `${node.node} holds ${hold.count} deletes of ${hold.label} (${hold.count} of ${hold.artifacts} artifacts, over mass_delete_guard); `
        + `put the files back, or run \`artisync deletes confirm ${hold.label}\` on ${node.node}`;
      problems.push({ node: node.node, kind: 'held-deletes', message });
    }
    for (const [label, state] of Object.entries(node.gatewayLabels)) {
      if (state.lag > limits.maxLag) {
        problems.push({ node: node.node, kind: 'lag', message: `${node.node} is ${state.lag} entries behind on ${label} (limit ${limits.maxLag})` });
      }
    }
  }
  return problems;
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
  return states.map(([label, state]) => `${label}@${state.appliedRevision} lag ${state.lag}`).join(', ');
}

function verificationCell(node: NodeStatus, now: number): string {
  const verification = node.lastVerification;
  if (verification === undefined) return '-';
  const outcome = verification.ok ? 'ok' : 'drift';
  const repaired = verification.repaired > 0 ? `, ${verification.repaired} repaired` : '';
  return `${outcome} ${formatAge(now - verification.at)} ago${repaired}`;
}

/** Formats the nodes as the `status` table. */
export function formatNodeTable(nodes: readonly NodeStatus[], now: number): string {
  const columns: TableColumn<NodeStatus>[] = [
    { header: 'NODE', cell: (node) => node.node },
    { header: 'ROLES', cell: (node) => node.roles.join(',') || '-' },
    { header: 'LABELS', cell: labelsCell },
    { header: 'APPLIED', cell: appliedCell },
    { header: 'LAST SEEN', cell: (node) => `${formatAge(now - node.lastSeen)} ago` },
    { header: 'OVERRIDES', cell: (node) => String(node.overrides.length), align: 'right' },
    { header: 'INVALID', cell: (node) => String(node.invalid.length), align: 'right' },
    { header: 'VERIFIED', cell: (node) => verificationCell(node, now) },
  ];
  return formatTable(sortNodes(nodes), columns);
}
