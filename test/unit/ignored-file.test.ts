// Names that never travel: dotfiles, editor temp files, the agent's own temp files; real artifact names do.
import { describe, expect, it } from 'vitest';
import { isIgnoredName, isIgnoredPath } from '../../core/ignored-file.js';

describe('isIgnoredName', () => {
  it.each([
    '.project',
    '.DS_Store',
    '.admin--kart1_v1.0.0.xml.swp',
    '.main.xml.swx',
    '.main.xml.swo',
    'main.xml~',
    '.#main.xml',
    '#main.xml#',
    'main.xml.tmp',
    '4913',
    '.artisync-3f9a2c.tmp',
    '.artisync-anything',
  ])('ignores %s', (name) => {
    expect(isIgnoredName(name)).toBe(true);
  });

  it.each([
    'main.xml',
    'admin--kart1_v1.0.0--In.xml',
    '{org.wso2.carbon.connector}hello.xml',
    '_TokenAPI_.xml',
    'empty.txt',
    'carbon.super_resource_50KPerMin_defualt.siddhiql',
    '49130.xml',
    '#',
    'tmp.xml',
  ])('keeps %s', (name) => {
    expect(isIgnoredName(name)).toBe(false);
  });
});

describe('isIgnoredPath', () => {
  it('ignores anything below a dot-folder and ignored leaf names', () => {
    expect(isIgnoredPath('synapse-configs/default/.git/config')).toBe(true);
    expect(isIgnoredPath('synapse-configs/default/api/.main.xml.swp')).toBe(true);
    expect(isIgnoredPath('executionplans/plan.siddhiql~')).toBe(true);
  });

  it('keeps ordinary artifact paths', () => {
    expect(isIgnoredPath('synapse-configs/default/api/admin--kart1_v1.0.0.xml')).toBe(false);
    expect(isIgnoredPath('executionplans/carbon.super_sub_Gold.siddhiql')).toBe(false);
  });
});
