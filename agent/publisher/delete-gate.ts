// What a delete passes before it is sent: the delete grace (the path may come back) and the mass-deletion guard.
import type { Logger } from 'pino';
import type { PreparedChange } from './changeset-pusher.js';
import { DeleteGrace } from './delete-grace.js';
import type { KnownHeads } from './known-heads.js';
import { MassDeleteGuard } from './mass-delete-guard.js';

// Deletes this close together count as one mass deletion: a folder move shows up at once, a script over seconds.
const MASS_DELETE_WINDOW_MS = 60_000;

/** What the gate needs from the engine. */
export interface DeleteGateDeps {
  labels: readonly string[];
  /** Largest share of a label's artifacts deleted within the window before the rest are held. */
  massDeleteGuard: number;
  deleteDelayMs: number;
  logger: Logger;
  /** The engine's current knowledge of the hub's heads (replaced when the journal loads). */
  known: () => KnownHeads;
  /** Marks a path dirty again, once its grace is over. */
  recheck(path: string): void;
}

/** The delete grace and the mass-deletion guard, applied to what the engine is about to send. */
export class DeleteGate {
  readonly guard: MassDeleteGuard;
  private readonly grace: DeleteGrace;

  constructor(private readonly deps: DeleteGateDeps) {
    this.guard = new MassDeleteGuard({ share: deps.massDeleteGuard, windowMs: MASS_DELETE_WINDOW_MS, logger: deps.logger, now: () => Date.now() });
    this.grace = new DeleteGrace({ delayMs: deps.deleteDelayMs, recheck: (path) => deps.recheck(path) });
  }

  /** The path is on disk: its grace ends. */
  present(path: string): void {
    this.grace.clear(path);
  }

  /** True when a missing path's delete may go: it has waited out its grace, or no label holds it (nothing to send). */
  graceOver(path: string): boolean {
    const known = this.deps.known();
    const held = this.deps.labels.some((label) => known.get(label, path) !== undefined || known.isUncertain(label, path));
    return !held || this.grace.isDue(path, Date.now());
  }

  /** True while the path waits out its grace or its delete is held. */
  isInHand(path: string): boolean {
    return this.grace.has(path) || this.deps.labels.some((label) => this.guard.isHeld(label, path));
  }

  /** The label's changes without the deletes the mass-deletion guard holds. */
  admit(label: string, changes: PreparedChange[]): PreparedChange[] {
    const deletes = changes.filter((change) => change.op === 'delete').map((change) => change.path);
    if (deletes.length === 0) return changes;
    const known = this.deps.known();
    const waiting = [...this.grace.paths()].filter((path) => known.get(label, path) !== undefined);
    // A delete sent after a lost reply may concern a head not known here: it counts among the label's artifacts too.
    const artifacts = known.pathsOf(label).length + deletes.filter((path) => known.get(label, path) === undefined).length;
    const admitted = new Set(this.guard.admit(label, deletes, artifacts, waiting));
    return changes.filter((change) => change.op === 'put' || admitted.has(change.path));
  }

  /** Cancels every grace timer. */
  stop(): void {
    this.grace.stop();
  }
}
