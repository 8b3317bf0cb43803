// `artisync validate PATH…`: validates files or folders as the hub would and prints one line per problem.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseArtifactPath, SYNCED_TREES } from '../../core/artifact-path.js';
import { ArtisyncError } from '../../core/errors.js';
import { isIgnoredName } from '../../core/ignored-file.js';
import { DEFAULT_MAX_ARTIFACT_BYTES } from '../../core/artifact-limits.js';
import type {
  ValidateOptions,
  ValidationIssue,
  ValidationResult,
} from '../../core/validate-artifact.js';
import { commandAction, EXIT, printError } from '../command-action.js';

interface ValidateCommandOptions {
  json?: boolean;
  maxArtifactBytes: number;
}

/** One validated file as `--json` prints it; `path` is the file as the user can find it. */
export interface FileValidation {
  path: string;
  ok: boolean;
  issues: ValidationIssue[];
}

const CHECKED_OUTSIDE_TREES = ['.xml', '.siddhiql'];

/** Adds `validate PATH… [--json] [--max-artifact-bytes N]` to the program; sets the exit code to 0, 1 or 2. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('validate artifact files or folders (a server root, synapse-configs/default, any folder) as the hub would')
    .argument('<paths...>', 'files or folders to validate')
    .option('--json', 'print a JSON array of {path, ok, issues} (default: a table or text)')
    .option('--max-artifact-bytes <n>', 'largest artifact accepted, in bytes', parseByteCount, DEFAULT_MAX_ARTIFACT_BYTES)
    .action(commandAction(runValidate));
}

async function runValidate(paths: string[], options: ValidateCommandOptions): Promise<number> {
  for (const path of paths) {
    const found = await stat(path).catch(() => undefined);
    if (found === undefined) {
      printError(`cannot validate ${path}: no such file or folder`);
      return EXIT.usage;
    }
  }
  const results: FileValidation[] = [];
  for (const path of paths) {
    for (const file of await listFiles(path)) results.push(await validateFile(file, options));
  }
  if (options.json === true) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else printIssues(results);
  return results.every((result) => result.ok) ? EXIT.ok : EXIT.failed;
}

// A named file is always checked; inside a folder, dot-folders, editor files and non-artifacts outside the trees
// (README.md, MANIFEST.md, …) are skipped, exactly as an agent would never publish them.
async function listFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const files: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(child)));
    else if (entry.isFile() && (artifactPathOf(child) !== undefined || CHECKED_OUTSIDE_TREES.some((ext) => entry.name.endsWith(ext)))) {
      files.push(child);
    }
  }
  return files;
}

// The artifact path is the part after the last `synapse-configs/default/` or `executionplans/`, so a server root,
// the synapse folder itself or a copy of either anywhere gets the same folder rules the hub applies.
function artifactPathOf(file: string): string | undefined {
  const absolute = resolve(file).split(sep).join('/');
  let best: string | undefined;
  let bestIndex = -1;
  for (const tree of SYNCED_TREES) {
    const index = absolute.lastIndexOf(`/${tree}/`);
    if (index > bestIndex) {
      bestIndex = index;
      best = tree + absolute.slice(index + tree.length + 1);
    }
  }
  return best;
}

async function validateFile(file: string, options: ValidateCommandOptions): Promise<FileValidation> {
  const checkOptions: ValidateOptions = { maxArtifactBytes: options.maxArtifactBytes };
  // lstat: a symlink is never an artifact (it could point out of the trees), even when named on the command line.
  if ((await lstat(file)).isSymbolicLink()) {
    return shown(file, failure(file, 'ARTISYNC_PATH_ESCAPES_TREE', 'a symbolic link is not an artifact'));
  }
  const bytes = await readFile(file);
  // Loaded here, not at startup: every other command (the agent among them) would otherwise load the XML parser.
  const { validateArtifact, validateLooseFile } = await import('../../core/validate-artifact.js');
  const relative = artifactPathOf(file);
  if (relative === undefined) return shown(file, validateLooseFile(file, bytes, checkOptions));
  try {
    return shown(file, validateArtifact(parseArtifactPath(relative), bytes, checkOptions));
  } catch (error) {
    if (!(error instanceof ArtisyncError)) throw error;
    return shown(file, failure(file, error.code, error.message));
  }
}

function failure(path: string, code: ValidationIssue['code'], message: string): ValidationResult {
  return { ok: false, incomplete: false, issues: [{ code, severity: 'error', path, line: 1, column: 1, message }] };
}

function shown(path: string, result: ValidationResult): FileValidation {
  return { path, ok: result.ok, issues: result.issues.map((issue) => ({ ...issue, path })) };
}

// Errors go to stdout (they are the command's answer); warnings to stderr so they never fail a pipeline.
function printIssues(results: FileValidation[]): void {
  for (const { issues } of results) {
    for (const issue of issues) {
      const where = `${issue.path}:${issue.line}:${issue.column}`;
      if (issue.severity === 'error') process.stdout.write(`${where}: ${issue.message} (${issue.code})\n`);
      else process.stderr.write(`${where}: warning: ${issue.message} (${issue.code})\n`);
    }
  }
}

function parseByteCount(value: string): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count <= 0) throw new InvalidArgumentError('expected a positive whole number of bytes');
  return count;
}
