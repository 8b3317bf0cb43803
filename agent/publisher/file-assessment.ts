// Decides what a file's current disk state means for publishing: put it, delete it, wait for it, or refuse it.
import { sha256Of } from '../../core/blob-codec.js';
import type { DiskState } from './artifact-reader.js';
import type { FileIssue } from './invalid-registry.js';

/** What a validator says about an artifact's bytes (core/validate-artifact.ts has this shape). */
export interface ValidationOutcome {
  ok: boolean;
  /** True when the file looks cut short, i.e. still being written: wait, do not report. */
  incomplete: boolean;
  issues: FileIssue[];
}

/** Validates an artifact's bytes as the hub would. */
export type ValidateArtifact = (path: string, bytes: Uint8Array, options: { maxArtifactBytes: number }) => ValidationOutcome;

/** A file's meaning for the publisher. */
export type Assessment =
  | { kind: 'put'; bytes: Buffer; sha256: string }
  | { kind: 'delete' }
  | { kind: 'incomplete'; sha256: string }
  | { kind: 'invalid'; sha256: string; issues: FileIssue[] };

/** Turns what is on disk into what to publish; content for which `isKnown` holds is taken as valid without checking. */
export function assessFile(
  path: string, state: DiskState, validate: ValidateArtifact, maxArtifactBytes: number, isKnown: (sha256: string) => boolean = () => false,
): Assessment {
  if (state.kind === 'absent') return { kind: 'delete' };
  if (state.kind === 'refused') {
    const issue: FileIssue = { code: state.code, severity: 'error', line: 0, column: 0, message: state.reason };
    // No content was read: the reason stands in for the sha so the same refusal is reported once.
    return { kind: 'invalid', sha256: `refused:${state.reason}`, issues: [issue] };
  }
  const sha256 = sha256Of(state.bytes);
  if (isKnown(sha256)) return { kind: 'put', bytes: state.bytes, sha256 };
  const outcome = validate(path, state.bytes, { maxArtifactBytes });
  if (outcome.incomplete) return { kind: 'incomplete', sha256 };
  if (!outcome.ok) return { kind: 'invalid', sha256, issues: outcome.issues };
  return { kind: 'put', bytes: state.bytes, sha256 };
}
