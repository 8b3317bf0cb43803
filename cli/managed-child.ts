// A child process `artisync up` owns: output to a log file (and line by line to a callback), stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** How to start one child. */
export interface ManagedChildSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  /** Called with every stdout line, after it is written to the log file. */
  onLine?: (line: string) => void;
}

/** A running child; `exited` resolves with how it ended. */
export class ManagedChild {
  readonly exited: Promise<string>;
  private readonly log: WriteStream;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    log: WriteStream,
  ) {
    this.log = log;
    this.exited = new Promise((resolve) => {
      // 'close' rather than 'exit': by then the output pipes are drained into the log too.
      child.once('close', (code, signal) => resolve(signal === null ? `exit status ${code ?? '?'}` : `signal ${signal}`));
      child.once('error', (err) => resolve(`could not start: ${err.message}`));
    });
  }

  /** Starts the child in its own process group, so a terminal's Ctrl-C reaches only `up`, which stops it in order. */
  static start(spec: ManagedChildSpec): ManagedChild {
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const managed = new ManagedChild(spec.name, spec.logFile, child, log);
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!log.writableEnded) log.write(`${line}\n`);
        spec.onLine?.(line);
      });
    }
    child.stderr?.pipe(log, { end: false });
    return managed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True while the process has not exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** Sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the process is gone and its log closed. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}
