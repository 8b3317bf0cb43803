// `override list`'s text: a header over the overrides, or "no overrides" when there are none.
import { describe, expect, it } from 'vitest';
import { formatOverrides } from '../../cli/commands/override.js';

describe('formatOverrides', () => {
  it('says "no overrides" when the node holds none', () => {
    expect(formatOverrides([])).toBe('no overrides\n');
  });

  it('prints a header and one row per override, with the hub version held', () => {
    const text = formatOverrides([
      { path: 'synapse-configs/default/api/A.xml', kind: 'changed', sha256: 'ab', since: Date.UTC(2026, 10, 30, 10, 0, 0), hubVersion: 4, hubLabel: 'L' },
      { path: 'synapse-configs/default/api/B.xml', kind: 'deleted', sha256: null, since: Date.UTC(2026, 10, 30, 11, 0, 0) },
    ]);
    expect(text.split('\n')).toEqual([
      'PATH                               KIND     SINCE                 HUB VERSION HELD',
      'synapse-configs/default/api/A.xml  changed  2026-11-30T10:00:00Z  v4',
      'synapse-configs/default/api/B.xml  deleted  2026-11-30T11:00:00Z  -',
      '',
    ]);
  });
});
