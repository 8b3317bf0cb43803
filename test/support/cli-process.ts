// Runs the built CLI (dist/cli/main.js) as a separate process and collects its exit status and output.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built entry point e2e tests run; `npm run build` makes it. */
export const CLI_ENTRY = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** How a CLI run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args` to completion with an environment free of ARTISYNC_* leftovers. */
export async function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ARTISYNC_')));
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));
  return { code, stdout, stderr };
}

/** Sends SIGTERM to a child that is still running and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
