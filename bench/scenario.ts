// The contract between bench/main.ts and each scenario module under bench/scenarios/.
import type { GeneratedArtifact } from './artifact-generator.js';
import type { Scratch } from './scratch.js';
import type { Summary } from './stats.js';

/** Who produced a measurement: artisync itself or a peer tool / physical floor it is compared with. */
export type MeasuredSystem = 'artisync' | 'rsync' | 'cp' | 'lsyncd' | 'fs-floor';

/** One measured quantity: all its samples and their summary. */
export interface Measurement {
  /** Stable id targets refer to, e.g. `bulk.10000.rsync-2dst`. */
  id: string;
  system: MeasuredSystem;
  /** What was measured, in words, for the table. */
  label: string;
  unit: 'ms' | 'MB/s' | 'files/s' | 'MB' | 's' | '%' | 'µs';
  samples: number[];
  summary: Summary;
}

/** A generated source tree on disk, made once per size and shared by the scenarios of a run. */
export interface SourceTree {
  /** The server root: artifacts lie under `root/synapse-configs/default/...`. */
  root: string;
  artifacts: readonly GeneratedArtifact[];
  bytes: number;
}

/** What every scenario receives from main. */
export interface ScenarioContext {
  quick: boolean;
  scratch: Scratch;
  /** The shared source tree of `count` artifacts (seeded; generated on first use). Never edit it: copy it first. */
  tree(count: number): Promise<SourceTree>;
  /** Progress line on stderr; stdout carries only the table. */
  log(message: string): void;
}

/** What a scenario hands back: its measurements, or why it did not run. */
export interface ScenarioResult {
  measurements: Measurement[];
  skipped?: string;
  notes?: string[];
}

/** A benchmark scenario; `name` is what `--only` matches. */
export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
