// `artisync ls LABEL`: the current artifacts of a label as a table (or JSON).
import type { Command } from 'commander';
import type { ArtifactHead } from '../../core/hub-api.js';
import { commandAction } from '../command-action.js';
import { requireKnownLabel } from '../known-label.js';
import { formatTable, formatTime, type TableColumn } from '../format-table.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';

const LS_COLUMNS: TableColumn<ArtifactHead>[] = [
  { header: 'PATH', cell: (head) => head.path },
  { header: 'VERSION', cell: (head) => String(head.version), align: 'right' },
  { header: 'SIZE', cell: (head) => String(head.size), align: 'right' },
  { header: 'SHA256', cell: (head) => head.sha256.slice(0, 12) },
  { header: 'UPDATED', cell: (head) => formatTime(head.updatedAt) },
  { header: 'BY', cell: (head) => head.node },
];

/** Formats a label's heads as the `ls` table, sorted by path. */
export function formatArtifactList(heads: readonly ArtifactHead[]): string {
  return formatTable([...heads].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), LS_COLUMNS);
}

/** Registers `artisync ls LABEL`. */
export function registerLsCommand(program: Command): void {
  const command = program
    .command('ls')
    .description('list the current artifacts of a label: path, version, size, sha256 prefix, updated-at, by-node')
    .argument('<label>', 'label to list')
    .option('--json', 'print the snapshot as JSON (default: a table or text)');
  addHubOptions(command).action(
    commandAction(async (label: string, options: HubCommandOptions & { json?: boolean }) =>
      withHub(options, async (hub) => {
        await requireKnownLabel(hub, label);
        const snapshot = await hub.snapshot(label);
        process.stdout.write(options.json === true ? `${JSON.stringify(snapshot, null, 2)}\n` : formatArtifactList(snapshot.artifacts));
        return 0;
      }),
    ),
  );
}
