// Runs a long-lived built CLI process (`node dist/cli/main.js hub|agent …`): captures its JSON log lines, waits for one, stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for.js';

/** The repository root, whether this file runs from test/support (vitest) or dist/test/support (the soak runner). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', ...(basename(join(import.meta.dirname, '..', '..')) === 'dist' ? ['..'] : []));

/** Path of the built CLI; tests that use it need `npm run build` first. */
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** One pino line as the process wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** Options of one CLI process. */
export interface CliDaemonOptions {
  /** Extra environment, added to the test's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** Name used in failure messages. */
  name?: string;
}

const running = new Set<CliDaemon>();

/** A running `artisync` process a test started and alone may stop. */
export class CliDaemon {
  /** Every stdout line parsed as JSON (non-JSON lines are kept under `msg` with level 0). */
  readonly logs: LogLine[] = [];
  /** Raw stderr, for failure messages and error-line assertions. */
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess, readonly name: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      running.delete(this);
      resolve({ code, signal });
    }));
    createInterface({ input: child.stdout! }).on('line', (line) => this.logs.push(parseLine(line)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk; });
  }

  /** Spawns `node dist/cli/main.js ...args`; fails at once when the CLI was not built. */
  static start(args: string[], options: CliDaemonOptions = {}): CliDaemon {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first`);
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd,
      env: { ...inheritedEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cli = new CliDaemon(child, options.name ?? args[0] ?? 'artisync');
    running.add(cli);
    return cli;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True while the process has not exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (already seen or future) that matches; fails early if the process exits. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const outcome = await waitFor(() => {
      const found = this.logs.find(predicate);
      if (found !== undefined) return { found };
      return this.alive ? undefined : { found: undefined };
    }, { timeoutMs, message: `a matching log line from ${this.name}` });
    if (outcome.found === undefined) throw new Error(`${this.name} exited before the log line; stderr: ${this.stderr.slice(-2000)}`);
    return outcome.found;
  }

  /** Log lines whose `msg` equals `msg`. */
  logsWithMsg(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  /** Sends `signal` and waits for exit; SIGKILLs once `deadlineMs` passes. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', deadlineMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.alive) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILLs the process, as a crash would. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }
}

/** SIGKILLs every CLI process still running; call from afterAll/afterEach. */
export async function killAllCliDaemons(): Promise<void> {
  await Promise.all([...running].map(async (cli) => cli.kill()));
}

/** The test's environment without ARTISYNC_* leftovers, which would override flags' defaults. */
function inheritedEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ARTISYNC_')));
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object') return parsed as LogLine;
  } catch {
    // a line that is not JSON is kept as text below
  }
  return { level: 0, msg: line };
}
