// Unit tests of `artisync status`'s judgement (gateways behind the hub's head or failing, frozen nodes) and its table.
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../core/hub-api.js';
import { findNodeProblems, formatNodeTable, staleLimitOf } from '../../cli/node-health.js';

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

  it('reports a gateway behind on a label beyond max lag when the hub does not report heads', () => {
    const problems = findNodeProblems([node('gw-2', { gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 3 } } })], limits);
    expect(problems).toEqual([{ node: 'gw-2', label: 'Prod', kind: 'lag', reason: 'behind', message: 'gw-2 is 3 entries behind on Prod (limit 0)' }]);
    expect(findNodeProblems([node('gw-2', { gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 3 } } })], { ...limits, maxLag: 3 })).toEqual([]);
  });

  it("holds a gateway to the hub's head, whatever lag it reports, within --max-lag", () => {
    const state = { appliedRevision: '1-0', lag: 0, pendingEntries: 1, hubRevision: '5-0' };
    const problems = findNodeProblems([node('gw-2', { gatewayLabels: { Prod: state } })], limits);
    expect(problems).toEqual([{
      node: 'gw-2', label: 'Prod', kind: 'lag', reason: 'behind',
      message: 'gw-2 Prod: behind: applied 1-0, hub head 5-0, 1 entry (limit 0), 1 delivered but not acknowledged',
    }]);
    expect(findNodeProblems([node('gw-2', { gatewayLabels: { Prod: state } })], { ...limits, maxLag: 1 })).toEqual([]);
    // The head the hub had when status started: a commit landing meanwhile does not count against the gateway.
    expect(findNodeProblems([node('gw-2', { gatewayLabels: { Prod: { ...state, appliedRevision: '5-0', hubRevision: '6-0' } } })], { ...limits, targets: new Map([['Prod', '5-0']]) })).toEqual([]);
  });

  it('reports failing applies with their paths and reason', () => {
    const failing = { count: 2, paths: ['synapse-configs/default/api/A.xml'], reason: 'EPERM: operation not permitted' };
    const problems = findNodeProblems([node('gw-4', { gatewayLabels: { Prod: { appliedRevision: '5-0', lag: 0, hubRevision: '5-0', state: 'failing', failing } } })], limits);
    expect(problems).toEqual([{
      node: 'gw-4', label: 'Prod', kind: 'failing', reason: 'failing',
      message: 'gw-4 Prod: failing: 2 paths not applied (synapse-configs/default/api/A.xml, …): EPERM: operation not permitted',
    }]);
  });

  it('reports a publisher holding deletes', () => {
    const held = node('pub-1', { roles: ['publisher'], gatewayLabels: {}, heldDeletes: [{ label: 'Prod', count: 10, artifacts: 12, since: NOW }] });
    const problems = findNodeProblems([held], limits);
    expect(problems.map((problem) => problem.kind)).toEqual(['held-deletes']);
    expect(problems[0]?.message).toContain('pub-1 holds 10 deletes of Prod');
    expect(problems[0]?.message).toContain('artisync deletes confirm Prod');
  });

  it('reports a node whose heartbeat is older than the threshold as frozen, once per node', () => {
    const problems = findNodeProblems([node('gw-3', { lastSeen: NOW - 45_000, gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 0, hubRevision: '5-0' } } })], limits);
    expect(problems.map((problem) => problem.kind)).toEqual(['stale']);
    expect(problems[0]?.message).toBe('gw-3 is frozen or down: no heartbeat for 45s (limit 30s)');
  });

  it('without --stale-after, allows three of the node\'s heartbeat intervals, at least 10 s', () => {
    const { staleAfterMs: _, ...derived } = limits;
    expect(staleLimitOf(node('a', { heartbeatIntervalMs: 5_000 }), undefined)).toBe(15_000);
    expect(staleLimitOf(node('a', { heartbeatIntervalMs: 500 }), undefined)).toBe(10_000);
    expect(staleLimitOf(node('a'), undefined)).toBe(30_000);
    expect(findNodeProblems([node('gw-5', { heartbeatIntervalMs: 5_000, lastSeen: NOW - 16_000 })], derived).map((problem) => problem.reason)).toEqual(['frozen']);
    expect(findNodeProblems([node('gw-5', { heartbeatIntervalMs: 5_000, lastSeen: NOW - 14_000 })], derived)).toEqual([]);
  });
});

describe('formatNodeTable', () => {
  it('shows roles, labels, applied revision and lag, last seen, overrides, invalid and verification', () => {
    const text = formatNodeTable([
      node('gw-1', { overrides: ['a', 'b'], lastVerification: { at: NOW - 5_000, ok: true, repaired: 1 } }),
      node('pub-1', { roles: ['publisher'], publisherLabels: ['Prod'], gatewayLabels: {}, invalid: [{ path: 'p', code: 'c', message: 'm' }] }),
    ], NOW);
    const [header, gw, pub] = text.trimEnd().split('\n');
    expect(header).toMatch(/^NODE\s+ROLES\s+LABELS\s+STATE\s+APPLIED\s+LAST SEEN\s+OVERRIDES\s+INVALID\s+VERIFIED$/);
    expect(gw).toMatch(/^gw-1\s+gateway\s+gw:Prod\s+ok\s+Prod@1-0 lag 0\s+2s ago\s+2\s+0\s+ok 5s ago, 1 repaired$/);
    expect(pub).toMatch(/^pub-1\s+publisher\s+pub:Prod\s+ok\s+-\s+2s ago\s+0\s+1\s+-$/);
  });

  it('shows the reason of each problem and a gateway\'s own state', () => {
    const stuck = node('gw-2', { gatewayLabels: { Prod: { appliedRevision: '1-0', lag: 1, state: 'behind', hubRevision: '2-0' } } });
    const problems = findNodeProblems([stuck, node('gw-3', { lastSeen: NOW - 60_000 })], { now: NOW, maxLag: 0, staleAfterMs: 30_000 });
    const [, gw2, gw3] = formatNodeTable([stuck, node('gw-3', { lastSeen: NOW - 60_000 })], NOW, problems).trimEnd().split('\n');
    expect(gw2).toMatch(/^gw-2\s+gateway\s+gw:Prod\s+behind Prod\s+Prod@1-0 lag 1 \(behind\)\s/);
    expect(gw3).toMatch(/^gw-3\s+gateway\s+gw:Prod\s+frozen\s/);
  });
});
