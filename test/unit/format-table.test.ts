// Unit tests of the CLI's text tables and time formatting, and of the ls/history table layouts.
import { describe, expect, it } from 'vitest';
import { formatAge, formatTable, formatTime } from '../../cli/format-table.js';
import { formatArtifactList } from '../../cli/commands/ls.js';
import { formatHistory } from '../../cli/commands/history.js';

describe('formatTable', () => {
  it('aligns columns two spaces apart, right-aligning numbers', () => {
    const text = formatTable([{ name: 'a', n: 5 }, { name: 'longer', n: 123 }], [
      { header: 'NAME', cell: (row) => row.name },
      { header: 'N', cell: (row) => String(row.n), align: 'right' },
    ]);
    expect(text).toBe('NAME      N\na         5\nlonger  123\n');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable([], [{ header: 'PATH', cell: () => 'x' }])).toBe('PATH\n');
  });
});

describe('formatTime and formatAge', () => {
  it('formats epoch ms as ISO-8601 without milliseconds', () => {
    expect(formatTime(Date.UTC(2024, 4, 1, 12, 0, 5, 123))).toBe('2024-05-01T12:00:05Z');
  });

  it('picks the largest whole unit', () => {
    expect([formatAge(850), formatAge(12_400), formatAge(240_000), formatAge(3 * 3_600_000), formatAge(2 * 86_400_000)]).toEqual(['850ms', '12s', '4m', '3h', '2d']);
  });
});

describe('ls and history tables', () => {
  const head = { path: 'synapse-configs/default/api/b.xml', version: 3, size: 120, sha256: 'abcdef0123456789ff', updatedAt: 0, node: 'pub-1' };

  it('lists artifacts sorted by path with a 12-character sha256 prefix', () => {
    const text = formatArtifactList([head, { ...head, path: 'executionplans/a.siddhiql', version: 1 }]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+VERSION\s+SIZE\s+SHA256\s+UPDATED\s+BY$/);
    expect(lines[1]).toContain('executionplans/a.siddhiql');
    expect(lines[2]).toContain('abcdef012345 ');
    expect(lines[2]).not.toContain('abcdef0123456');
  });

  it('lists versions newest first and marks deletes and conflicts', () => {
    const base = { op: 'put' as const, sha256: 'aa'.repeat(32), size: 10, updatedAt: 0, node: 'n', conflict: false, revision: '1-0' };
    const text = formatHistory([{ ...base, version: 1 }, { ...base, version: 3, op: 'delete', sha256: '' }, { ...base, version: 2, conflict: true }]);
    const lines = text.trimEnd().split('\n').slice(1);
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(lines[0]).toMatch(/^\s*3\s+delete\s+-\s+-/);
    expect(lines[1]).toContain('yes');
  });

  it('marks a version that restored older content with CONTENT = vN and shows who made it', () => {
    const base = { op: 'put' as const, size: 10, updatedAt: 0, node: 'pub', conflict: false, revision: '1-0' };
    const text = formatHistory([
      { ...base, version: 1, sha256: 'a1'.repeat(32) },
      { ...base, version: 2, sha256: 'b2'.repeat(32) },
      { ...base, version: 3, sha256: 'a1'.repeat(32), node: 'alice@ops' },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/CONTENT$/);
    expect(lines[1]).toMatch(/^\s*3 .*alice@ops.*= v1$/);
    expect(lines[2]).not.toContain('= v');
  });
});
