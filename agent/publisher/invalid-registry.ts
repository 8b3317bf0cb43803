// Files that fail validation: each (path, sha256) is logged once, counted, and listed in the role's report.

/** One problem found in a file, as a validator reports it. */
export interface FileIssue {
  code: string;
  severity: 'error' | 'warning';
  line: number;
  column: number;
  message: string;
}

/** A file currently refused, as the heartbeat lists it. */
export interface InvalidFile {
  path: string;
  code: string;
  message: string;
}

/** Remembers which files are invalid now, so each version is reported once and a fixed file leaves the list. */
export class InvalidRegistry {
  private readonly current = new Map<string, { sha256: string; issue: FileIssue }>();
  private total = 0;

  /** Records that `path` at `sha256` is invalid; true when this (path, sha256) was not already recorded. */
  note(path: string, sha256: string, issues: FileIssue[]): boolean {
    if (this.current.get(path)?.sha256 === sha256) return false;
    const first = issues.find((issue) => issue.severity === 'error') ?? issues[0];
    const issue = first ?? { code: 'ARTISYNC_INTERNAL', severity: 'error', line: 0, column: 0, message: 'invalid' };
    this.current.set(path, { sha256, issue });
    this.total += 1;
    return true;
  }

  /** Forgets a path once it is valid again or gone. */
  clear(path: string): void {
    this.current.delete(path);
  }

  /** Every (path, sha256) ever found invalid, for metrics. */
  get totalSeen(): number {
    return this.total;
  }

  /** Files invalid right now, for the heartbeat. */
  list(): InvalidFile[] {
    return [...this.current].map(([path, { issue }]) => ({
      path,
      code: issue.code,
      message: `${path}:${issue.line}:${issue.column}: ${issue.message}`,
    }));
  }
}
