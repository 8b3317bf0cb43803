// The publisher's journal in state_dir: paths not yet confirmed by the hub and the heads it knows, written atomically.
import { JsonStateFile, type StateFs } from '../gateway/json-state-file.js';

/** What survives an agent restart. */
export interface JournalState {
  /** Paths whose disk state the hub has not confirmed yet; re-read from disk when sent. */
  pending: string[];
  /** label → path → [version, sha256] of the hub heads this publisher knows. */
  known: Record<string, Record<string, [number, string]>>;
  /** label → paths whose deletes the mass-deletion guard holds, so a restart does not release them. */
  held?: Record<string, string[]>;
}

const FILE_NAME = 'publisher-journal.json';
const FORMAT = 1;

/** Loads and saves the journal; saves are serialised and each one is atomic, so a crash leaves old or new. */
export class PendingJournal {
  private readonly file: JsonStateFile<JournalState>;

  constructor(fs: StateFs, stateDir: string) {
    this.file = new JsonStateFile<JournalState>(fs, stateDir, FILE_NAME, {
      format: FORMAT,
      isValid: (doc) => Array.isArray(doc.pending) && typeof doc.known === 'object' && doc.known !== null,
    });
  }

  /** The saved state, or an empty one when there is none yet; a corrupt file throws naming it. */
  async load(): Promise<JournalState> {
    const state = await this.file.load();
    if (state === undefined) return { pending: [], known: {} };
    return { pending: state.pending, known: state.known, ...(state.held === undefined ? {} : { held: state.held }) };
  }

  /** Writes `state` atomically; resolves once it is durable. */
  save(state: JournalState): Promise<void> {
    return this.file.save(state);
  }
}
