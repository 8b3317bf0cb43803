// Decides whether an artifact may travel: XML and Siddhi rules of guarantee 2 in docs/guarantees.md, with line/column per problem.
import { artifactKindOf, expectedRootElement, isSynapseKind, type ArtifactKind } from './artifact-kind.js';
import { checkCarbonApp } from './carbon-app-check.js';
import { checkArtifactName } from './artifact-name-check.js';
import type { ArtifactPath } from './artifact-path.js';
import { decodeUtf8Text, decodeXmlText, type DecodeFailure } from './decode-artifact-text.js';
import type { ErrorCode } from './errors.js';
import { scanXmlStructure, type XmlRoot } from './scan-xml-structure.js';
import { positionInText, type TextPosition } from './text-position.js';

/** One problem with an artifact; `error` stops it from travelling, `warning` does not. Line and column are 1-based. */
export interface ValidationIssue {
  code: ErrorCode;
  severity: 'error' | 'warning';
  path: string;
  line: number;
  column: number;
  message: string;
}

/** `ok`: no error-severity issue. `incomplete`: the file looks cut short (mid-write); wait for it rather than report. */
export interface ValidationResult {
  ok: boolean;
  incomplete: boolean;
  issues: ValidationIssue[];
}

export interface ValidateOptions {
  maxArtifactBytes: number;
}

export { DEFAULT_MAX_ARTIFACT_BYTES } from './artifact-limits.js';
/** The namespace every Synapse artifact's root element belongs to. */
export const SYNAPSE_NAMESPACE = 'http://ws.apache.org/ns/synapse';

const START: TextPosition = { line: 1, column: 1 };
const PLAN_NAME = /@Plan\s*:\s*name\s*\(\s*(['"])(.*?)\1\s*\)/i;

type Report = (code: ErrorCode, at: TextPosition, message: string, severity?: ValidationIssue['severity']) => void;

/** Validates an artifact's bytes as the hub would, choosing the rules by its folder and extension. */
export function validateArtifact(path: ArtifactPath, bytes: Uint8Array, options: ValidateOptions): ValidationResult {
  return validateFile(artifactKindOf(path), path, bytes, options);
}

/** Validates a file found outside the synced trees by its extension alone (no folder rules); `name` is shown as path. */
export function validateLooseFile(name: string, bytes: Uint8Array, options: ValidateOptions): ValidationResult {
  return validateFile('other', name, bytes, options);
}

function validateFile(kind: ArtifactKind, path: string, bytes: Uint8Array, options: ValidateOptions): ValidationResult {
  const issues: ValidationIssue[] = [];
  const report: Report = (code, at, message, severity = 'error') => {
    issues.push({ code, severity, path, line: at.line, column: at.column, message });
  };
  const fileName = path.slice(path.lastIndexOf('/') + 1);
  if (bytes.length > options.maxArtifactBytes) {
    report('ARTISYNC_TOO_LARGE', START, `the file is ${bytes.length} bytes, over the ${options.maxArtifactBytes}-byte limit (max_artifact_bytes)`);
  } else if (fileName.endsWith('.xml')) {
    validateXml(kind, fileName.slice(0, -'.xml'.length), bytes, report);
  } else if (fileName.endsWith('.siddhiql')) {
    validateExecutionPlan(fileName.slice(0, -'.siddhiql'.length), bytes, report);
  } else if (fileName.endsWith('.car')) {
    const problem = checkCarbonApp(bytes);
    if (problem !== undefined) report(problem.code, START, problem.message);
  }
  return {
    ok: issues.every((issue) => issue.severity !== 'error'),
    incomplete: issues.some((issue) => issue.code === 'ARTISYNC_INCOMPLETE'),
    issues,
  };
}

// A zero-byte or whitespace-only .xml counts as INCOMPLETE, not EMPTY: editors and deploy scripts truncate a file
// and then write it, so an empty artifact is almost always one caught between the two steps.
function validateXml(kind: ArtifactKind, stem: string, bytes: Uint8Array, report: Report): void {
  const decoded = decodeXmlText(bytes);
  if (!decoded.ok) return reportDecodeFailure(decoded, report);
  const { text } = decoded;
  const structure = scanXmlStructure(text);
  if (structure.state === 'problem') {
    return report(structure.problem.code, positionInText(text, structure.problem.offset), structure.problem.message);
  }
  const end = positionInText(text, text.length);
  if (structure.state === 'open') return report('ARTISYNC_INCOMPLETE', end, 'the file ends before its XML document does (still being written?)');
  if (decoded.truncatedChar) return report('ARTISYNC_ENCODING_INVALID', end, 'the file ends in the middle of a UTF-8 character');
  checkRoot(kind, stem, structure.root, positionInText(text, structure.root.offset), report);
}

function checkRoot(kind: ArtifactKind, stem: string, root: XmlRoot, at: TextPosition, report: Report): void {
  const colon = root.qualifiedName.indexOf(':');
  const prefix = colon === -1 ? undefined : root.qualifiedName.slice(0, colon);
  const localName = root.qualifiedName.slice(colon + 1);
  const namespace = root.attributes.get(prefix === undefined ? 'xmlns' : `xmlns:${prefix}`);
  if (prefix !== undefined && namespace === undefined) {
    return report('ARTISYNC_XML_MALFORMED', at, `namespace prefix "${prefix}" of <${root.qualifiedName}> is not declared`);
  }
  const expected = expectedRootElement(kind);
  if (expected === undefined) return;
  if (localName !== expected) {
    return report('ARTISYNC_XML_WRONG_ROOT', at, `root element <${localName}> does not fit ${kind}: expected <${expected}>`);
  }
  if (kind === 'userstore') return checkUserStore(root, at, report);
  if (!isSynapseKind(kind)) return;
  if (namespace !== SYNAPSE_NAMESPACE) {
    report('ARTISYNC_NAMESPACE_MISSING', at, `root element <${localName}> is not in the Synapse namespace ${SYNAPSE_NAMESPACE}`, 'warning');
  }
  const mismatch = checkArtifactName(kind, stem, root.attributes);
  if (mismatch !== undefined) report('ARTISYNC_NAME_MISMATCH', at, mismatch, 'warning');
}

// Carbon picks the user store implementation from `class`; without it the secondary store is never loaded.
function checkUserStore(root: XmlRoot, at: TextPosition, report: Report): void {
  if ((root.attributes.get('class') ?? '').trim() === '') {
    report('ARTISYNC_CONTENT_INVALID', at, '<UserStoreManager> has no class attribute: Carbon cannot tell which user store manager to load');
  }
}

// Truncated execution plans cannot be told from short ones, except when cut inside a multi-byte character.
function validateExecutionPlan(stem: string, bytes: Uint8Array, report: Report): void {
  const decoded = decodeUtf8Text(bytes);
  if (!decoded.ok) return reportDecodeFailure(decoded, report);
  const { text } = decoded;
  if (decoded.truncatedChar) return report('ARTISYNC_INCOMPLETE', positionInText(text, text.length), 'the file ends in the middle of a UTF-8 character (still being written?)');
  if (text.trim().length === 0) return report('ARTISYNC_EMPTY', START, 'the execution plan is empty');
  const plan = PLAN_NAME.exec(text);
  if (plan === null) return report('ARTISYNC_SIDDHI_NO_PLAN', START, "no @Plan:name('…') annotation: Siddhi needs it to name the execution plan");
  const name = plan[2] ?? '';
  if (name !== stem) {
    report('ARTISYNC_PLAN_NAME_MISMATCH', positionInText(text, plan.index), `the plan is named "${name}" but its file is named "${stem}"`, 'warning');
  }
}

function reportDecodeFailure(failure: DecodeFailure, report: Report): void {
  report(failure.code, { line: failure.line, column: failure.column }, failure.message);
}
