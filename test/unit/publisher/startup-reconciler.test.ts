// planStartupSync: puts for differing files, deletes for files gone, and the mass-deletion guard.
import { describe, expect, it } from 'vitest';
import { keepHubHeads, planStartupSync } from '../../../agent/publisher/startup-reconciler.js';

const tree = (count: number, sha = 'x'): Map<string, string> =>
  new Map(Array.from({ length: count }, (_, i) => [`synapse-configs/default/api/a${i}.xml`, sha]));

describe('planStartupSync', () => {
  it('puts new and changed files and deletes files gone from disk', () => {
    const remote = new Map([['executionplans/a.siddhiql', '1'], ['executionplans/b.siddhiql', '2'], ['executionplans/c.siddhiql', '3'], ['executionplans/d.siddhiql', '4']]);
    const local = new Map([['executionplans/a.siddhiql', '1'], ['executionplans/b.siddhiql', 'changed'], ['executionplans/new.siddhiql', '5'], ['executionplans/c.siddhiql', '3']]);
    const plan = planStartupSync({ local, present: new Set(local.keys()), remote, massDeleteGuard: 0.5 });
    expect(plan).toEqual({ put: ['executionplans/b.siddhiql', 'executionplans/new.siddhiql'], remove: ['executionplans/d.siddhiql'], refusedRemove: [] });
  });

  it('never deletes a file that is on disk but invalid or half-written', () => {
    const remote = new Map([['executionplans/a.siddhiql', '1'], ['executionplans/b.siddhiql', '2']]);
    const plan = planStartupSync({ local: new Map(), present: new Set(['executionplans/a.siddhiql', 'executionplans/b.siddhiql']), remote, massDeleteGuard: 1 });
    expect(plan.remove).toEqual([]);
    expect(plan.refusedRemove).toEqual([]);
  });

  it('refuses every delete when more than the guard share would go, but still puts', () => {
    const remote = tree(10);
    const local = new Map([['synapse-configs/default/api/a0.xml', 'y']]);
    const plan = planStartupSync({ local, present: new Set(local.keys()), remote, massDeleteGuard: 0.5 });
    expect(plan.put).toEqual(['synapse-configs/default/api/a0.xml']);
    expect(plan.remove).toEqual([]);
    expect(plan.refusedRemove).toHaveLength(9);
  });

  it('allows deletes up to the guard share, and everything with guard 1', () => {
    const remote = tree(10);
    const half = new Map([...remote].slice(0, 5));
    expect(planStartupSync({ local: half, present: new Set(half.keys()), remote, massDeleteGuard: 0.5 }).remove).toHaveLength(5);
    expect(planStartupSync({ local: new Map(), present: new Set(), remote, massDeleteGuard: 1 }).remove).toHaveLength(10);
  });
});

describe('keepHubHeads', () => {
  const path = 'synapse-configs/default/api/a.xml';
  const pushedV2 = new Map([[path, { version: 2, sha256: 'v2' }]]);

  it('keeps a rolled-back head when the file is unchanged since this publisher pushed it', () => {
    expect(keepHubHeads({ local: new Map([[path, 'v2']]), lastPushed: pushedV2, heads: [{ path, version: 3, sha256: 'v1' }] })).toEqual(new Map([[path, 3]]));
  });

  it('pushes a file edited while the publisher was down, whatever the hub holds', () => {
    expect(keepHubHeads({ local: new Map([[path, 'v4']]), lastPushed: pushedV2, heads: [{ path, version: 3, sha256: 'v1' }] }).size).toBe(0);
  });

  it('pushes again a commit the hub lost (its head is older than the push)', () => {
    expect(keepHubHeads({ local: new Map([[path, 'v2']]), lastPushed: pushedV2, heads: [{ path, version: 1, sha256: 'v1' }] }).size).toBe(0);
  });

  it('pushes when nothing is journalled, or only a head of unknown version (the node\'s own gateway wrote it)', () => {
    const heads = [{ path, version: 3, sha256: 'v1' }];
    expect(keepHubHeads({ local: new Map([[path, 'v2']]), lastPushed: new Map(), heads }).size).toBe(0);
    expect(keepHubHeads({ local: new Map([[path, 'v2']]), lastPushed: new Map([[path, { version: 0, sha256: 'v2' }]]), heads }).size).toBe(0);
  });
});
