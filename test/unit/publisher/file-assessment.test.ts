// assessFile and InvalidRegistry: what a disk state means, and each invalid (path, sha256) reported once.
import { describe, expect, it } from 'vitest';
import { assessFile, type ValidationOutcome } from '../../../agent/publisher/file-assessment.js';
import { InvalidRegistry } from '../../../agent/publisher/invalid-registry.js';
import { sha256Of } from '../../../core/blob-codec.js';

const outcome = (result: Partial<ValidationOutcome>) => () => ({ ok: true, incomplete: false, issues: [], ...result });
const issue = { code: 'ARTISYNC_XML_MALFORMED', severity: 'error' as const, line: 3, column: 7, message: 'unclosed tag' };

describe('assessFile', () => {
  it('puts a valid file with its sha256, deletes an absent one', () => {
    const bytes = Buffer.from('<api/>');
    expect(assessFile('p', { kind: 'file', bytes }, outcome({}), 100)).toEqual({ kind: 'put', bytes, sha256: sha256Of(bytes) });
    expect(assessFile('p', { kind: 'absent' }, outcome({}), 100)).toEqual({ kind: 'delete' });
  });

  it('waits for an incomplete file and refuses an invalid one with its issues', () => {
    const bytes = Buffer.from('<api');
    expect(assessFile('p', { kind: 'file', bytes }, outcome({ ok: false, incomplete: true }), 100).kind).toBe('incomplete');
    expect(assessFile('p', { kind: 'file', bytes }, outcome({ ok: false, issues: [issue] }), 100)).toMatchObject({ kind: 'invalid', issues: [issue] });
  });

  it('refuses what the reader refused, with its code', () => {
    const refused = assessFile('p', { kind: 'refused', code: 'ARTISYNC_TOO_LARGE', reason: 'too big' }, outcome({}), 100);
    expect(refused).toMatchObject({ kind: 'invalid', issues: [{ code: 'ARTISYNC_TOO_LARGE', message: 'too big' }] });
  });
});

describe('InvalidRegistry', () => {
  it('notes each (path, sha256) once, lists PATH:LINE:COL, and forgets a fixed path', () => {
    const registry = new InvalidRegistry();
    expect(registry.note('a.xml', 's1', [issue])).toBe(true);
    expect(registry.note('a.xml', 's1', [issue])).toBe(false);
    expect(registry.note('a.xml', 's2', [issue])).toBe(true);
    expect(registry.list()).toEqual([{ path: 'a.xml', code: 'ARTISYNC_XML_MALFORMED', message: 'a.xml:3:7: unclosed tag' }]);
    expect(registry.totalSeen).toBe(2);
    registry.clear('a.xml');
    expect(registry.list()).toEqual([]);
  });
});
