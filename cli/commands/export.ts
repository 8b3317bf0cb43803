// `artisync export --label L --out DIR`: writes a label's current state as a server-root tree, whole files only.
import { forEachBounded } from '../../core/bounded-concurrency.js';
import type { Command } from 'commander';
import { parseArtifactPath, toAbsolutePath } from '../../core/artifact-path.js';
import { ArtisyncError } from '../../core/errors.js';
import type { ArtifactHead } from '../../core/hub-api.js';
import type { HubClient } from '../../client/hub-client.js';
import { commandAction } from '../command-action.js';
import { requireKnownLabel } from '../known-label.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { ProgressBar, progressSinkForTerminal } from '../progress-bar.js';
import { writeFileWhole } from '../whole-file-write.js';
import { usageError } from '../usage-error.js';
import { sha256Of } from '../../core/blob-codec.js';

/** The export options as parsed. */
interface ExportOptions extends HubCommandOptions {
  label?: string;
  out?: string;
}

const PARALLEL_DOWNLOADS = 8;

async function exportOne(hub: HubClient, outDir: string, head: ArtifactHead): Promise<void> {
  const path = parseArtifactPath(head.path);
  const content = await hub.blob(head.sha256);
  const actual = sha256Of(content);
  if (actual !== head.sha256) {
    throw new ArtisyncError('ARTISYNC_INTERNAL', `blob of ${head.path} has sha256 ${actual}, expected ${head.sha256}; nothing written for it`, { subject: head.path });
  }
  await writeFileWhole(toAbsolutePath(outDir, path), content);
}

/** Writes every head into outDir, a few downloads at a time. */
async function exportAll(hub: HubClient, outDir: string, heads: readonly ArtifactHead[], bar: ProgressBar): Promise<void> {
  await forEachBounded(heads, PARALLEL_DOWNLOADS, async (head) => {
    await exportOne(hub, outDir, head);
    bar.advance();
  });
}

/** Registers `artisync export --label L --out DIR`. */
export function registerExportCommand(program: Command): void {
  const command = program
    .command('export')
    .description("write a label's current state as a server-root tree under --out")
    .option('--label <label>', 'label to export')
    .option('--out <dir>', 'folder to write the tree into (created when missing)');
  addHubOptions(command).action(
    commandAction(async (options: ExportOptions) => {
      const { label, out } = options;
      if (label === undefined || out === undefined) throw usageError('export needs --label L and --out DIR');
      return withHub(options, async (hub) => {
        await requireKnownLabel(hub, label);
        const snapshot = await hub.snapshot(label);
        const bar = new ProgressBar(progressSinkForTerminal(process.stdout, process.stderr), snapshot.artifacts.length, 'files');
        try {
          await exportAll(hub, out, snapshot.artifacts, bar);
        } finally {
          // End the bar's line so an error message starts on a fresh one.
          bar.finish();
        }
        process.stdout.write(`exported ${snapshot.artifacts.length} artifacts of ${label} at revision ${snapshot.revision} to ${out}\n`);
        return 0;
      });
    }),
  );
}
