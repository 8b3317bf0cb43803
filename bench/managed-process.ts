// One artisync or redis process the bench started: its log file, readiness probe, resource use and clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessUsage, type ProcessUsage } from './process-usage.js';

const STOP_GRACE_MS = 10_000;
// Fine enough for the cold-start scenario, which times a gateway from spawn to ready.
const READY_POLL_MS = 5;

/** A child process with stdout and stderr going to `logFile`, stopped only by its own PID. */
export class ManagedProcess {
  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {}

  /** Spawns `command args…` (with `env`, default the bench's own), appending its output to `logFile`. */
  static spawn(name: string, command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ManagedProcess {
    const fd = openSync(logFile, 'a');
    try {
      return new ManagedProcess(name, logFile, spawn(command, args, { stdio: ['ignore', fd, fd], env }));
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid (spawn failed; see ${this.logFile})`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `url` until it answers 200 and returns performance.now() at that moment; fails at once if the process exits. */
  async waitReady(url: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}); see ${this.logFile}`);
      const status = await fetch(url, { signal: AbortSignal.timeout(1000) })
        .then(async (response) => { await response.arrayBuffer(); return response.status; }, () => 0);
      if (status === 200) return performance.now();
      if (performance.now() > deadline) throw new Error(`${this.name} not ready at ${url} after ${timeoutMs} ms; see ${this.logFile}`);
      await sleep(READY_POLL_MS);
    }
  }

  /** Peak RSS and CPU seconds so far. */
  async usage(): Promise<ProcessUsage> {
    return readProcessUsage(this.pid);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
