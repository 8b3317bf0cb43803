// `artisync import --label L --server-root DIR`: uploads an existing tree (e.g. an NFS share) into a label in batches.
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { NotFoundError } from '../../core/errors.js';
import type { ChangeItem } from '../../core/hub-api.js';
import type { HubClient } from '../../client/hub-client.js';
import { IMPORT_BATCH_LIMITS, splitIntoBatches } from '../../core/changeset-batches.js';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { addChangesetResults, emptyImportSummary, formatImportSummary, type ImportSummary } from '../import-summary.js';
import { formatImportPlan, planImport } from '../import-plan.js';
import { ProgressBar, progressSinkForTerminal } from '../progress-bar.js';
import { walkServerRoot, type TreeFile } from '../server-root-walk.js';
import { usageError } from '../usage-error.js';

/** The import options as parsed. */
interface ImportOptions extends HubCommandOptions {
  label?: string;
  serverRoot?: string;
  json?: boolean;
  dryRun?: boolean;
}

async function pushBatch(hub: HubClient, label: string, batch: readonly TreeFile[], summary: ImportSummary): Promise<void> {
  const changes: ChangeItem[] = [];
  for (const file of batch) {
    changes.push({ op: 'put', path: file.path, content: await readFile(file.absolutePath) });
  }
  const response = await hub.pushChangeset(label, { requestId: `import-${randomUUID()}`, changes });
  addChangesetResults(summary, response.results);
}

async function checkFolder(serverRoot: string): Promise<void> {
  const info = await stat(serverRoot).catch(() => undefined);
  if (info?.isDirectory() !== true) throw usageError(`--server-root ${serverRoot} is not a folder`);
  const trees = await Promise.all(SYNCED_TREES.map(async (tree) => (await stat(join(serverRoot, tree)).catch(() => undefined))?.isDirectory() === true));
  if (!trees.includes(true)) {
    // One level too deep (or too high) is the usual slip: importing nothing would look like success.
    throw new NotFoundError('ARTISYNC_NOT_FOUND',
      `--server-root ${serverRoot} holds neither ${SYNCED_TREES.join(' nor ')}; expected the server root ` +
        '(<API-M_HOME>/repository/deployment/server) that contains them', { subject: serverRoot });
  }
}

async function dryRun(options: ImportOptions, label: string, files: readonly TreeFile[]): Promise<number> {
  return withHub(options, async (hub) => {
    const plan = await planImport(files, (await hub.snapshot(label)).artifacts);
    process.stdout.write(options.json === true ? `${JSON.stringify({ label, dryRun: true, ...plan }, null, 2)}\n` : formatImportPlan(label, plan));
    return 0;
  });
}

/** Registers `artisync import --label L --server-root DIR`. */
export function registerImportCommand(program: Command): void {
  const command = program
    .command('import')
    .description('upload an existing server-root tree (e.g. an NFS share) into a label in one go; prints counts')
    .option('--label <label>', 'label to import into')
    .option('--server-root <dir>', 'server root holding synapse-configs/default and executionplans')
    .option('--json', 'print the counts as JSON (default: a table or text)')
    .option('--dry-run', 'print what would be created, updated or deleted at the hub, and write nothing');
  addHubOptions(command).action(
    commandAction(async (options: ImportOptions) => {
      const { label, serverRoot } = options;
      if (label === undefined || serverRoot === undefined) throw usageError('import needs --label L and --server-root DIR');
      await checkFolder(serverRoot);
      const walk = await walkServerRoot(serverRoot);
      if (options.dryRun === true) return dryRun(options, label, walk.files);
      const summary = emptyImportSummary();
      summary.rejected.push(...walk.refused);
      const batches = splitIntoBatches(walk.files, (file) => file.size, IMPORT_BATCH_LIMITS);
      const bar = new ProgressBar(progressSinkForTerminal(process.stdout, process.stderr), walk.files.length, 'files');
      try {
        await withHub(options, async (hub) => {
          for (const batch of batches) {
            await pushBatch(hub, label, batch, summary);
            bar.advance(batch.length);
          }
        });
      } finally {
        // End the bar's line so an error message starts on a fresh one.
        bar.finish();
      }
      process.stdout.write(options.json === true ? `${JSON.stringify({ label, ...summary }, null, 2)}\n` : formatImportSummary(label, summary));
      return summary.rejected.length === 0 ? 0 : 1;
    }),
  );
}
