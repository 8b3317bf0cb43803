// Every error code is documented in docs/errors.md and has an HTTP status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, InternalError, NotFoundError, PathError, UnavailableError, ValidationError, errorClassOf } from '../../core/errors.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
const documented = new Set([...doc.matchAll(/^## (ARTISYNC_[A-Z_]+)\s*$/gm)].map((match) => match[1]));

describe('the error registry', () => {
  it.each(Object.keys(ERROR_CODES))('%s has a section in docs/errors.md', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  it('documents no code that is not in the registry', () => {
    expect([...documented].filter((code) => code === undefined || !(code in ERROR_CODES))).toEqual([]);
  });

  it.each(Object.entries(ERROR_CODES))('%s maps to an HTTP status', (_code, status) => {
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(600);
  });

  it('derives the error class from the code, so a hub error is never taken for an unreachable hub', () => {
    expect(errorClassOf('ARTISYNC_INTERNAL')).toBe(InternalError);
    expect(errorClassOf('ARTISYNC_HUB_UNREACHABLE')).toBe(UnavailableError);
    expect(errorClassOf('ARTISYNC_REDIS_UNAVAILABLE')).toBe(UnavailableError);
    expect(errorClassOf('ARTISYNC_NOT_FOUND')).toBe(NotFoundError);
    expect(errorClassOf('ARTISYNC_PATH_ESCAPES_TREE')).toBe(PathError);
    expect(errorClassOf('ARTISYNC_XML_MALFORMED')).toBe(ValidationError);
  });
});
