// Builds Measurement records from raw samples.
import type { Measurement, MeasuredSystem } from './scenario.js';
import { summarize } from './stats.js';

/** Wraps `samples` as a Measurement with its summary. */
export function measure(id: string, system: MeasuredSystem, label: string, unit: Measurement['unit'], samples: number[]): Measurement {
  return { id, system, label, unit, samples, summary: summarize(samples) };
}
