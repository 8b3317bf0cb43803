// Turns a run's measurements into the stdout tables and the JSON file under bench/results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Measurement } from './scenario.js';
import type { Target } from './targets.js';

/** One line of the comparison table. */
export interface ReportRow {
  scenario: string;
  metric: string;
  artisync: number | undefined;
  peer: number | undefined;
  peerName: string | undefined;
  ratio: number | undefined;
  target: string;
  met: boolean | undefined;
}

/** Rows for every target, then one row per measurement that no target names as its subject. */
export function buildRows(measurements: readonly Measurement[], targets: readonly Target[]): ReportRow[] {
  const byId = new Map(measurements.map((m) => [m.id, m]));
  const rows = targets.map((target) => targetRow(target, byId));
  const subjects = new Set(targets.map((target) => target.subject));
  for (const m of measurements.filter((one) => !subjects.has(one.id))) {
    const mine = m.system === 'artisync';
    rows.push({
      scenario: m.id, metric: `${m.label} (median ${m.unit})`, artisync: mine ? m.summary.median : undefined,
      peer: mine ? undefined : m.summary.median, peerName: mine ? undefined : m.system, ratio: undefined, target: '', met: undefined,
    });
  }
  return rows;
}

function targetRow(target: Target, byId: ReadonlyMap<string, Measurement>): ReportRow {
  const subject = byId.get(target.subject)?.summary[target.stat];
  const base = target.baseline === undefined ? undefined : byId.get(target.baseline.id);
  const peer = target.baseline === undefined ? undefined : base?.summary[target.baseline.stat];
  const ratio = subject !== undefined && peer !== undefined && peer > 0 ? subject / peer : undefined;
  let met: boolean | undefined;
  if (subject !== undefined) {
    const ratioOk = target.maxRatio === undefined || (ratio !== undefined && ratio <= target.maxRatio);
    const valueOk = target.maxValue === undefined || subject <= target.maxValue;
    met = ratioOk && valueOk;
  }
  return {
    scenario: target.scenario, metric: target.metric, artisync: subject, peer, peerName: base?.system,
    ratio, target: target.text, met,
  };
}

/** The comparison table and the per-measurement detail table, as aligned plain text. */
export function formatReport(rows: readonly ReportRow[], measurements: readonly Measurement[]): string {
  const comparison = [['scenario', 'metric', 'artisync', 'peer', 'ratio', 'target', 'met?'], ...rows.map((row) => [
    row.scenario, row.metric, row.artisync === undefined ? (row.target === '' ? '—' : 'not run') : formatNumber(row.artisync),
    row.peer === undefined ? '—' : `${formatNumber(row.peer)} (${row.peerName ?? ''})`,
    row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`, row.target,
    row.met === undefined ? (row.target === '' ? '' : 'n/a') : row.met ? 'yes' : 'NO',
  ])];
  const detail = [['measurement', 'system', 'unit', 'n', 'median', 'p95', 'p99', 'min', 'max'], ...measurements.map((m) => [
    m.id, m.system, m.unit, String(m.summary.count), ...[m.summary.median, m.summary.p95, m.summary.p99, m.summary.min,
      m.summary.max].map(formatNumber),
  ])];
  return `${alignColumns(comparison)}\n\n${alignColumns(detail)}\n`;
}

/** Writes the run as `<dir>/<stamp>.json` and returns the file's path. */
export async function writeJsonReport(dir: string, stamp: string, payload: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function alignColumns(table: readonly string[][]): string {
  const widths = table[0]?.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length))) ?? [];
  return table.map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}
