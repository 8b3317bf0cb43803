// Peak RSS and CPU seconds of a live process, read from /proc (Linux): what the resources scenario reports.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Resource use of one process so far. */
export interface ProcessUsage {
  pid: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

let clockTicksPerSecond: number | undefined;

/** Reads VmHWM from /proc/<pid>/status and utime+stime from /proc/<pid>/stat; the process must still be alive. */
export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (hwm?.[1] === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  // The command name in field 2 may contain spaces and parentheses, so fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { pid, peakRssBytes: Number(hwm[1]) * 1024, cpuSeconds: ticks / clockTicks() };
}

function clockTicks(): number {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return clockTicksPerSecond;
}
