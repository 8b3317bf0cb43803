// Runs an external command (rsync, cp, sync) and times it from spawn to exit.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Runs `command args…` to completion and resolves with its wall time in ms; rejects on a non-zero exit. */
export async function timeCommand(command: string, args: readonly string[]): Promise<number> {
  const started = performance.now();
  await runCommand(command, args);
  return performance.now() - started;
}

/** Runs `command args…` to completion; rejects with its stderr when it fails. */
export async function runCommand(command: string, args: readonly string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** Whether `command` is on PATH. */
export async function isInstalled(command: string): Promise<boolean> {
  try {
    await runCommand('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}
