// Turns one JSON log line of a local agent into a short "what arrived where" line for `artisync up`.

/** The fields of a pino line that `up` reads; anything else is ignored. */
interface AgentLogFields {
  level?: number;
  msg?: string;
  path?: string;
  label?: string;
  version?: number;
  reason?: string;
  op?: string;
  paths?: number;
  written?: number | string[];
  removed?: number | string[];
  err?: { message?: string };
}

const PINO_WARN_LEVEL = 40;
const PINO_ERROR_LEVEL = 50;

function parseLine(line: string): AgentLogFields | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(fields: AgentLogFields): string {
  return typeof fields.version === 'number' ? ` v${fields.version}` : '';
}

function labelOf(fields: AgentLogFields): string {
  return typeof fields.label === 'string' ? ` (${fields.label})` : '';
}

function countOf(value: number | string[] | undefined): number {
  if (typeof value === 'number') return value;
  return Array.isArray(value) ? value.length : 0;
}

function describePathEvent(who: string, msg: string, path: string, fields: AgentLogFields): string | undefined {
  if (/^hub update held/.test(msg)) return `${who} ‖ ${path}${versionOf(fields)}${labelOf(fields)} held: overridden here (override clear releases it)`;
  if (/override/i.test(msg)) return `${who} ! ${path} (${msg})`;
  if (msg === 'artifact published') return `${who} → ${fields.op === 'delete' ? 'delete' : 'put'} ${path}${versionOf(fields)}${labelOf(fields)}`;
  if (msg === 'artifact applied') return `${who} ← put ${path}${versionOf(fields)}${labelOf(fields)}`;
  if (msg === 'artifact removed') return `${who} ← delete ${path}${versionOf(fields)}${labelOf(fields)}`;
  if (/invalid|reject|refus/i.test(msg)) return `${who} refused ${path}: ${fields.reason ?? fields.err?.message ?? msg}`;
  if (/remov|delet|undeploy/i.test(msg)) return `${who} ✗ ${path}${versionOf(fields)}${labelOf(fields)} removed`;
  if (/appl|writ|deploy|materiali/i.test(msg)) return `${who} ← ${path}${versionOf(fields)}${labelOf(fields)}`;
  if (/push|publish/i.test(msg)) return `${who} → ${path}${versionOf(fields)}${labelOf(fields)}`;
  return undefined;
}

/** A short line for an artifact event, a sync summary or a problem in `source`'s log; undefined for the rest. */
export function describeAgentLogLine(source: string, line: string): string | undefined {
  const fields = parseLine(line);
  if (fields === undefined || typeof fields.msg !== 'string') return undefined;
  const msg = fields.msg;
  const who = source.padEnd(10);
  if (typeof fields.path === 'string') {
    const shown = describePathEvent(who, msg, fields.path, fields);
    if (shown !== undefined) return shown;
  }
  const written = countOf(fields.written);
  const removed = countOf(fields.removed);
  if (msg === 'replayed entries re-applied') return `${who} ↺ replay: ${fields.paths ?? 0} paths looked at, ${written} written, ${removed} removed`;
  if (written + removed > 0) return `${who} ← ${written} written, ${removed} removed (${msg})`;
  const level = fields.level ?? 0;
  const why = fields.err?.message === undefined ? '' : `: ${fields.err.message}`;
  if (level >= PINO_ERROR_LEVEL) return `${who} error: ${msg}${why}`;
  if (level >= PINO_WARN_LEVEL) return `${who} warning: ${msg}${why}`;
  return undefined;
}
