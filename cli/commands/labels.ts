// `artisync labels`: every label the hub knows, with its artifact count and head revision.
import type { Command } from 'commander';
import type { DigestReply } from '../../core/hub-api.js';
import { commandAction } from '../command-action.js';
import { formatTable, type TableColumn } from '../format-table.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';

const LABEL_COLUMNS: TableColumn<DigestReply>[] = [
  { header: 'LABEL', cell: (row) => row.label },
  { header: 'ARTIFACTS', cell: (row) => String(row.count), align: 'right' },
  { header: 'REVISION', cell: (row) => row.revision },
];

/** Formats the labels table, or a line saying there are none. */
export function formatLabels(rows: readonly DigestReply[]): string {
  return rows.length === 0 ? 'no labels\n' : formatTable(rows, LABEL_COLUMNS);
}

/** Registers `artisync labels`. */
export function registerLabelsCommand(program: Command): void {
  const command = program
    .command('labels')
    .description('list every label the hub knows: artifact count and head revision')
    .option('--json', 'print the labels as JSON (default: a table or text)');
  addHubOptions(command).action(
    commandAction(async (options: HubCommandOptions & { json?: boolean }) =>
      withHub(options, async (hub) => {
        const rows = await Promise.all((await hub.labels()).map((label) => hub.digest(label)));
        const json = rows.map(({ label, count, revision }) => ({ label, artifacts: count, revision }));
        process.stdout.write(options.json === true ? `${JSON.stringify(json, null, 2)}\n` : formatLabels(rows));
        return 0;
      }),
    ),
  );
}
