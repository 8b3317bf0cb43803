// Unit tests of import's pure parts (how changes are batched, how results are counted) and of option checks.
import { describe, expect, it } from 'vitest';
import { splitIntoBatches } from '../../core/changeset-batches.js';
import { addChangesetResults, emptyImportSummary, formatImportSummary } from '../../cli/import-summary.js';
import { checkReplayOptions } from '../../cli/commands/replay.js';
import { parseVersionOption } from '../../cli/version-option.js';

describe('splitIntoBatches', () => {
  it('caps items per batch', () => {
    const batches = splitIntoBatches([1, 2, 3, 4, 5], () => 1, { maxItems: 2, maxBytes: 100 });
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('caps bytes per batch and sends an oversized item alone', () => {
    const batches = splitIntoBatches([4, 4, 20, 3], (size) => size, { maxItems: 10, maxBytes: 10 });
    expect(batches).toEqual([[4, 4], [20], [3]]);
  });
});

describe('import summary', () => {
  it('counts created, updated, unchanged and rejected with reasons', () => {
    const summary = emptyImportSummary();
    const result = (version: number, unchanged: boolean) => ({ path: 'p', op: 'put' as const, version, sha256: 's', revision: '1-0', unchanged, conflict: false });
    addChangesetResults(summary, [
      { path: 'a', op: 'put', status: 200, result: result(1, false) },
      { path: 'b', op: 'put', status: 200, result: result(4, false) },
      { path: 'c', op: 'put', status: 200, result: result(2, true) },
      { path: 'd', op: 'put', status: 422, error: { code: 'ARTISYNC_XML_MALFORMED', message: 'not well-formed', issues: [{ code: 'x', severity: 'error', line: 3, column: 7, message: 'unclosed tag' }] } },
    ]);
    expect(summary).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(formatImportSummary('Prod', summary)).toBe(
      'imported into Prod: 1 created, 1 updated, 1 unchanged, 1 rejected\nrejected d: ARTISYNC_XML_MALFORMED: not well-formed (line 3, column 7: unclosed tag)\n',
    );
  });
});

describe('command option checks', () => {
  it('replay needs node, label and exactly one of --from and --since', () => {
    expect(() => checkReplayOptions({ label: 'L', from: '1-0' })).toThrow(/--node/);
    expect(() => checkReplayOptions({ node: 'n', label: 'L' })).toThrow(/exactly one/);
    expect(() => checkReplayOptions({ node: 'n', label: 'L', from: '1-0', since: '0' })).toThrow(/exactly one/);
    expect(() => checkReplayOptions({ node: 'n', label: 'L', from: 'yesterday' })).toThrow(/not a stream revision/);
    expect(() => checkReplayOptions({ node: 'n', label: 'L', since: 'yesterday' })).toThrow(/not a time/);
    expect(checkReplayOptions({ node: 'n', label: 'L', since: '2024-05-01T12:00:00Z' })).toEqual({ node: 'n', label: 'L', since: '2024-05-01T12:00:00Z' });
    expect(checkReplayOptions({ node: 'n', label: 'L', from: '1700000000000-0' })).toEqual({ node: 'n', label: 'L', from: '1700000000000-0' });
  });

  it('versions are positive integers', () => {
    expect(parseVersionOption('--to', undefined)).toBeUndefined();
    expect(parseVersionOption('--to', '7')).toBe(7);
    expect(() => parseVersionOption('--to', '0')).toThrow(/not a version number/);
    expect(() => parseVersionOption('--to', 'v2')).toThrow(/not a version number/);
  });
});
