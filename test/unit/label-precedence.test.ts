// Label precedence: the earlier gateway label wins a path; a path removed from the winner falls back to the next label.
import { describe, expect, it } from 'vitest';
import { applyToView, desiredState, viewDigest, winnerOf, type LabelHead, type LabelViews } from '../../agent/gateway/label-precedence.js';
import { digestOf } from '../../core/label-digest.js';

const API = 'synapse-configs/default/api/a.xml';
const EP = 'synapse-configs/default/endpoints/e.xml';

function head(version: number, sha256: string | null): LabelHead {
  return { version, sha256, size: 1 };
}

function views(entries: Record<string, Record<string, LabelHead>>): LabelViews {
  return new Map(Object.entries(entries).map(([label, heads]) => [label, new Map(Object.entries(heads))]));
}

describe('label precedence', () => {
  const labels = ['Production and Sandbox', 'Label1'];

  it('takes the earlier label when both hold a path', () => {
    const state = views({ 'Production and Sandbox': { [API]: head(3, 'p') }, Label1: { [API]: head(7, 'l') } });
    expect(winnerOf(API, labels, state)).toEqual({ label: 'Production and Sandbox', version: 3, sha256: 'p', size: 1 });
  });

  it('falls back to the next label when the winner deletes the path', () => {
    const state = views({ 'Production and Sandbox': { [API]: head(3, 'p') }, Label1: { [API]: head(7, 'l') } });
    applyToView(state.get('Production and Sandbox') as Map<string, LabelHead>, API, head(4, null));
    expect(winnerOf(API, labels, state)?.label).toBe('Label1');
    expect(winnerOf(API, labels, state)?.sha256).toBe('l');
  });

  it('has no winner once every label dropped the path', () => {
    const state = views({ 'Production and Sandbox': { [API]: head(4, null) }, Label1: {} });
    expect(winnerOf(API, labels, state)).toBeUndefined();
  });

  it('builds the whole desired state across labels', () => {
    const state = views({ 'Production and Sandbox': { [API]: head(1, 'p') }, Label1: { [API]: head(1, 'l'), [EP]: head(2, 'e') } });
    const desired = desiredState(labels, state);
    expect([...desired.entries()].map(([path, item]) => [path, item.label, item.sha256])).toEqual([
      [API, 'Production and Sandbox', 'p'],
      [EP, 'Label1', 'e'],
    ]);
  });

  it('never lets an older or equal version regress a view (re-delivered entries)', () => {
    const view = new Map<string, LabelHead>([[API, head(5, null)]]);
    expect(applyToView(view, API, head(4, 'old'))).toBe(false);
    expect(applyToView(view, API, head(5, 'same'))).toBe(false);
    expect(view.get(API)).toEqual(head(5, null));
    expect(applyToView(view, API, head(6, 'new'))).toBe(true);
  });

  it('digests only live heads, like the hub', () => {
    const view = new Map<string, LabelHead>([[API, head(1, 'a')], [EP, head(2, null)]]);
    expect(viewDigest(view)).toBe(digestOf([[API, 'a']]));
  });
});

describe('viewDigest', () => {
  it('stays equal to a full recomputation while events change, add and delete heads', () => {
    const view = new Map<string, LabelHead>([['a', { version: 1, sha256: 'a1', size: 1 }], ['b', { version: 1, sha256: 'b1', size: 1 }]]);
    const fresh = () => viewDigest(new Map(view));
    viewDigest(view);
    applyToView(view, 'a', { version: 2, sha256: 'a2', size: 1 });
    applyToView(view, 'c', { version: 1, sha256: 'c1', size: 1 });
    applyToView(view, 'b', { version: 2, sha256: null, size: 0 });
    applyToView(view, 'b', { version: 3, sha256: 'b3', size: 1 });
    applyToView(view, 'c', { version: 1, sha256: 'stale', size: 1 });
    expect(viewDigest(view)).toBe(fresh());
    expect(viewDigest(view)).toBe(digestOf([['a', 'a2'], ['b', 'b3'], ['c', 'c1']]));
  });
});
