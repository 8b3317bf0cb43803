// `artisync history LABEL PATH`: the versions of one artifact, newest first.
import type { Command } from 'commander';
import type { HistoryEntry } from '../../core/hub-api.js';
import { commandAction } from '../command-action.js';
import { requireKnownLabel } from '../known-label.js';
import { formatTable, formatTime, type TableColumn } from '../format-table.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';

const HISTORY_COLUMNS: TableColumn<HistoryEntry>[] = [
  { header: 'VERSION', cell: (entry) => String(entry.version), align: 'right' },
  { header: 'OP', cell: (entry) => entry.op },
  { header: 'SIZE', cell: (entry) => (entry.op === 'delete' ? '-' : String(entry.size)), align: 'right' },
  { header: 'SHA256', cell: (entry) => (entry.sha256 === '' ? '-' : entry.sha256.slice(0, 12)) },
  { header: 'UPDATED', cell: (entry) => formatTime(entry.updatedAt) },
  { header: 'BY', cell: (entry) => entry.node },
  { header: 'CONFLICT', cell: (entry) => (entry.conflict ? 'yes' : '') },
  { header: 'REVISION', cell: (entry) => entry.revision },
];

/** Formats an artifact's history as the `history` table, newest first. */
export function formatHistory(entries: readonly HistoryEntry[]): string {
  return formatTable([...entries].sort((a, b) => b.version - a.version), HISTORY_COLUMNS);
}

/** Registers `artisync history LABEL PATH`. */
export function registerHistoryCommand(program: Command): void {
  const command = program
    .command('history')
    .description('list the versions of one artifact, newest first')
    .argument('<label>', 'label the artifact is in')
    .argument('<path>', 'artifact path relative to the server root')
    .option('--json', 'print the versions as JSON');
  addHubOptions(command).action(
    commandAction(async (label: string, path: string, options: HubCommandOptions & { json?: boolean }) =>
      withHub(options, async (hub) => {
        await requireKnownLabel(hub, label);
        const entries = await hub.history(label, path);
        process.stdout.write(options.json === true ? `${JSON.stringify(entries, null, 2)}\n` : formatHistory(entries));
        return 0;
      }),
    ),
  );
}
