// Counts what an import did from the hub's per-item results, and prints them.
import type { ChangesetItemResult } from '../core/hub-api.js';

/** One file the hub (or import itself) refused, and why. */
export interface Rejection {
  path: string;
  reason: string;
}

/** The counts `artisync import` prints. */
export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  rejected: Rejection[];
}

/** An empty summary to add results to. */
export function emptyImportSummary(): ImportSummary {
  return { created: 0, updated: 0, unchanged: 0, rejected: [] };
}

/** Adds one changeset's per-item results to the summary. */
export function addChangesetResults(summary: ImportSummary, results: readonly ChangesetItemResult[]): void {
  for (const item of results) {
    const result = item.result;
    if (item.status >= 300 || result === undefined) {
      summary.rejected.push({ path: item.path, reason: rejectionReason(item) });
    } else if (result.unchanged) {
      summary.unchanged += 1;
    } else if (result.version === 1) {
      summary.created += 1;
    } else {
      summary.updated += 1;
    }
  }
}

function rejectionReason(item: ChangesetItemResult): string {
  const error = item.error;
  if (error === undefined) return `HTTP ${item.status}`;
  const first = error.issues?.find((issue) => issue.severity === 'error') ?? error.issues?.[0];
  const where = first === undefined ? '' : ` (line ${first.line}, column ${first.column}: ${first.message})`;
  return `${error.code}: ${error.message}${where}`;
}

/** The lines import prints: counts, then one line per rejected file. */
export function formatImportSummary(label: string, summary: ImportSummary): string {
  const head = `imported into ${label}: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected\n`;
  return head + summary.rejected.map((rejection) => `rejected ${rejection.path}: ${rejection.reason}\n`).join('');
}
