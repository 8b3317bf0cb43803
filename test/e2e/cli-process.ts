// A built-CLI process for e2e tests: spawned with `node dist/cli/main.js`, its JSON log lines kept, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for.js';

/** The built CLI entry point. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** True once `npm run build` has produced the CLI. */
export function cliIsBuilt(): boolean {
  return existsSync(CLI);
}

/** One running `artisync …` process. */
export class CliProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(readonly args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    let buffered = '';
    const collect = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines (parsed JSON) whose `msg` matches. */
  logs(msg: string | RegExp): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        const text = typeof entry.msg === 'string' ? entry.msg : '';
        return (typeof msg === 'string' ? text === msg : msg.test(text)) ? [entry] : [];
      } catch {
        return [];
      }
    });
  }

  /** Waits until a log line with this message appears `count` times. */
  async waitForLog(msg: string | RegExp, count = 1, timeoutMs = 20_000): Promise<void> {
    await waitFor(() => {
      if (!this.running) throw new Error(`process exited:\n${this.lines.slice(-20).join('\n')}`);
      return this.logs(msg).length >= count;
    }, { timeoutMs, message: `log "${String(msg)}"` });
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }
}
