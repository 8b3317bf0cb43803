// Turns one JSON log line of a local agent into a short "what arrived where" line for `artisync up`.

/** The fields of a pino line that `up` reads; anything else is ignored. */
interface AgentLogFields {
  level?: number;
  msg?: string;
  path?: string;
  label?: string;
  version?: number;
  err?: { message?: string };
}

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

/** A short line for an artifact event or an error in `source`'s log, or undefined for everything else. */
export function describeAgentLogLine(source: string, line: string): string | undefined {
  const fields = parseLine(line);
  if (fields === undefined || typeof fields.msg !== 'string') return undefined;
  const msg = fields.msg;
  const who = source.padEnd(10);
  const path = typeof fields.path === 'string' ? fields.path : undefined;
  if (path !== undefined) {
    if (/override/i.test(msg)) return `${who} override kept: ${path}${labelOf(fields)} — ${msg}`;
    if (/invalid|reject/i.test(msg)) return `${who} refused ${path}: ${fields.err?.message ?? msg}`;
    if (/remov|delet|undeploy/i.test(msg)) return `${who} ✗ ${path}${versionOf(fields)}${labelOf(fields)} removed`;
    if (/appl|writ|deploy|materiali/i.test(msg)) return `${who} ← ${path}${versionOf(fields)}${labelOf(fields)}`;
    if (/push|publish/i.test(msg)) return `${who} → ${path}${versionOf(fields)}${labelOf(fields)}`;
  }
  if ((fields.level ?? 0) >= PINO_ERROR_LEVEL) return `${who} error: ${msg}${fields.err?.message === undefined ? '' : `: ${fields.err.message}`}`;
  return undefined;
}
