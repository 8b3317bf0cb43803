// Reads every deployable file in the gateways' trees over and over while a run goes on, as Carbon's hot deployer
// would, and records any content that was never a valid content written for that path (a partial or foreign file).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Answers whether a gateway may show `content` at `path` (a valid write, or a manual drop on that gateway). */
export type ContentCheck = (gateway: string, path: string, content: string) => boolean;

const TREES = ['synapse-configs/default', 'executionplans'];

/** Polls until stop(); `violations` lists what it saw that it should never see. */
export class PartialFilePoller {
  readonly violations: string[] = [];
  /** Full passes over every gateway, so a run can show the poller really looked. */
  passes = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly gateways: ReadonlyArray<{ nodeId: string; serverRoot: string }>, private readonly allowed: ContentCheck) {
    this.done = this.loop();
  }

  /** Stops after the current pass. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      for (const gateway of this.gateways) await this.scan(gateway.nodeId, gateway.serverRoot);
      this.passes += 1;
      // Yield to the timers of the run between passes; the poller observes, it never synchronises anything.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async scan(nodeId: string, serverRoot: string): Promise<void> {
    for (const tree of TREES) {
      let entries;
      try {
        entries = await readdir(join(serverRoot, tree), { recursive: true, withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (!entry.isFile() || entry.name.startsWith('.')) continue;
        const absolute = join(entry.parentPath, entry.name);
        let content: string;
        try {
          content = await readFile(absolute, 'utf8');
        } catch {
          continue;
        }
        const path = relative(serverRoot, absolute);
        if (!this.allowed(nodeId, path, content) && this.violations.length < 20) {
          this.violations.push(`${nodeId} showed ${path} with content never written as valid: ${JSON.stringify(content.slice(0, 120))}`);
        }
      }
    }
  }
}
