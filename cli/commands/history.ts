// `artisync history LABEL PATH`: the versions of one artifact, newest first.
import type { Command } from 'commander';
import type { HistoryEntry } from '../../core/hub-api.js';
import { commandAction } from '../command-action.js';
import { requireKnownLabel } from '../known-label.js';
import { formatTable, formatTime, type TableColumn } from '../format-table.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';

/** A history row: the entry and the older version whose content it restored (a rollback), if any. */
interface HistoryRow extends HistoryEntry {
  restores: number | undefined;
}

const HISTORY_COLUMNS: TableColumn<HistoryRow>[] = [
  { header: 'VERSION', cell: (entry) => String(entry.version), align: 'right' },
  { header: 'OP', cell: (entry) => entry.op },
  { header: 'SIZE', cell: (entry) => (entry.op === 'delete' ? '-' : String(entry.size)), align: 'right' },
  { header: 'SHA256', cell: (entry) => (entry.sha256 === '' ? '-' : entry.sha256.slice(0, 12)) },
  { header: 'UPDATED', cell: (entry) => formatTime(entry.updatedAt) },
  { header: 'BY', cell: (entry) => entry.node },
  { header: 'CONFLICT', cell: (entry) => (entry.conflict ? 'yes' : '') },
  { header: 'REVISION', cell: (entry) => entry.revision },
  { header: 'CONTENT', cell: (entry) => (entry.restores === undefined ? '' : `= v${entry.restores}`) },
];

/** Pairs each put with the latest older version of the same content: what a rollback (or a re-publish) restored. */
function withRestores(entries: readonly HistoryEntry[]): HistoryRow[] {
  const oldestFirst = [...entries].sort((a, b) => a.version - b.version);
  return oldestFirst.map((entry, index) => {
    const earlier = oldestFirst.slice(0, index).reverse();
    const restored = entry.op === 'put' ? earlier.find((older) => older.op === 'put' && older.sha256 === entry.sha256) : undefined;
    return { ...entry, restores: restored?.version };
  });
}

/** Formats an artifact's history as the `history` table, newest first; CONTENT `= vN` marks a rollback to vN. */
export function formatHistory(entries: readonly HistoryEntry[]): string {
  return formatTable(withRestores(entries).reverse(), HISTORY_COLUMNS);
}

/** Registers `artisync history LABEL PATH`. */
export function registerHistoryCommand(program: Command): void {
  const command = program
    .command('history')
    .description('list the versions of one artifact, newest first (BY: who made it; CONTENT = vN: a rollback to vN)')
    .argument('<label>', 'label the artifact is in')
    .argument('<path>', 'artifact path relative to the server root')
    .option('--json', 'print the versions as JSON (default: a table)');
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
