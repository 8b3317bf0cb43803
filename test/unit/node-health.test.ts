// Unit tests of `artisync status`'s judgement (lagging and stale nodes) and its table.
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../core/hub-api.js';
import { findNodeProblems, formatNodeTable } from '../../cli/node-health.js';

const NOW = 1_700_000_100_000;

function node(id: string, overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    node: id, roles: ['gateway'], publisherLabels: [], gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 0 } },
    overrides: [], invalid: [], conflicts: [], pending: 0, ready: true, lastSeen: NOW - 2_000, ...overrides,
  };
}

describe('findNodeProblems', () => {
  const limits = { now: NOW, maxLag: 0, staleAfterMs: 30_000 };

  it('finds nothing wrong with fresh, caught-up nodes', () => {
    expect(findNodeProblems([node('gw-1'), node('pub-1', { roles: ['publisher'], gatewayLabels: {} })], limits)).toEqual([]);
  });

  it('reports a gateway behind on a label beyond max lag', () => {
    const problems = findNodeProblems([node('gw-2', { gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 3 } } })], limits);
    expect(problems).toEqual([{ node: 'gw-2', kind: 'lag', message: 'gw-2 is 3 entries behind on Prod (limit 0)' }]);
    expect(findNodeProblems([node('gw-2', { gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 3 } } })], { ...limits, maxLag: 3 })).toEqual([]);
  });

  it('reports a publisher holding deletes', () => {
    const held = node('pub-1', { roles: ['publisher'], gatewayLabels: {}, heldDeletes: [{ label: 'Prod', count: 10, artifacts: 12, since: NOW }] });
    const problems = findNodeProblems([held], limits);
    expect(problems.map((problem) => problem.kind)).toEqual(['held-deletes']);
    expect(problems[0]?.message).toContain('pub-1 holds 10 deletes of Prod');
    expect(problems[0]?.message).toContain('artisync deletes confirm Prod');
  });

  it('reports a node not seen past the threshold', () => {
    const problems = findNodeProblems([node('gw-3', { lastSeen: NOW - 45_000 })], limits);
    expect(problems.map((problem) => problem.kind)).toEqual(['stale']);
    expect(problems[0]?.message).toBe('gw-3 has not been seen for 45s (limit 30s)');
  });
});

describe('formatNodeTable', () => {
  it('shows roles, labels, applied revision and lag, last seen, overrides, invalid and verification', () => {
    const text = formatNodeTable([
      node('gw-1', { overrides: ['a', 'b'], lastVerification: { at: NOW - 5_000, ok: true, repaired: 1 } }),
      node('pub-1', { roles: ['publisher'], publisherLabels: ['Prod'], gatewayLabels: {}, invalid: [{ path: 'p', code: 'c', message: 'm' }] }),
    ], NOW);
    const [header, gw, pub] = text.trimEnd().split('\n');
    expect(header).toMatch(/^NODE\s+ROLES\s+LABELS\s+APPLIED\s+LAST SEEN\s+OVERRIDES\s+INVALID\s+VERIFIED$/);
    expect(gw).toMatch(/^gw-1\s+gateway\s+gw:Prod\s+Prod@1-0 lag 0\s+2s ago\s+2\s+0\s+ok 5s ago, 1 repaired$/);
    expect(pub).toMatch(/^pub-1\s+publisher\s+pub:Prod\s+-\s+2s ago\s+0\s+1\s+-$/);
  });
});
