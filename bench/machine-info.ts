// Describes the machine a run happened on, for the JSON report and the README's performance table.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Cores, CPU, memory, kernel, disk and peer versions, each best-effort (a missing tool reads "absent"). */
export async function describeMachine(scratchDir: string): Promise<Record<string, string | number>> {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memMiB: Math.round(totalmem() / 1024 / 1024),
    kernel: release(),
    node: process.version,
    disk: await firstLine('df', ['-T', scratchDir], 1),
    ext4Journal: (await readdir('/proc/fs/jbd2').catch(() => [])).length > 0 ? 'yes' : 'no (no /proc/fs/jbd2 entry)',
    rsync: await firstLine('rsync', ['--version'], 0),
    lsyncd: await firstLine('lsyncd', ['--version'], 0),
    redis: await firstLine('redis-server', ['--version'], 0),
    loadavg: loadavg().map((n) => n.toFixed(2)).join(' '),
  };
}

async function firstLine(command: string, args: string[], line: number): Promise<string> {
  try {
    const { stdout } = await run(command, args);
    return stdout.split('\n')[line]?.replace(/\s+/g, ' ').trim() ?? '';
  } catch {
    return 'absent';
  }
}
