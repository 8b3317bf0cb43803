// What `import --dry-run` reports: which files of the tree would be created or updated at the hub, nothing written.
import { readFile } from 'node:fs/promises';
import type { ArtifactHead } from '../core/hub-api.js';
import type { TreeFile } from './server-root-walk.js';
import { sha256Of } from '../core/blob-codec.js';

/** The changes an import would make to a label; import never deletes, so `kept` lists heads absent from the tree. */
export interface ImportPlan {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
  kept: string[];
}

/** Compares the tree's files (by sha256 of their content) with the label's heads. */
export async function planImport(files: readonly TreeFile[], heads: readonly ArtifactHead[]): Promise<ImportPlan> {
  const byPath = new Map(heads.map((head) => [head.path, head.sha256]));
  const plan: ImportPlan = { created: [], updated: [], unchanged: [], deleted: [], kept: [] };
  for (const file of files) {
    const sha256 = sha256Of(await readFile(file.absolutePath));
    const head = byPath.get(file.path);
    (head === undefined ? plan.created : head === sha256 ? plan.unchanged : plan.updated).push(file.path);
    byPath.delete(file.path);
  }
  plan.kept = [...byPath.keys()].sort();
  return plan;
}

/** The dry run as text: one line per file that would change, then the counts. */
export function formatImportPlan(label: string, plan: ImportPlan): string {
  const lines = [...plan.created.map((path) => `would create ${path}`), ...plan.updated.map((path) => `would update ${path}`)];
  lines.push(
    `dry run, nothing written to ${label}: ${plan.created.length} would be created, ${plan.updated.length} updated, ` +
      `${plan.unchanged.length} unchanged, ${plan.deleted.length} deleted` +
      (plan.kept.length === 0 ? '' : ` (import never deletes: ${plan.kept.length} artifacts of the label not in the tree stay)`),
  );
  return lines.join('\n') + '\n';
}
