// The performance targets of issue 8, as comparisons between measurement ids produced in the same run.
import type { SummaryStat } from './stats.js';

/** One target: artisync's `stat` of `subject`, against a baseline (ratio) and/or an absolute ceiling. */
export interface Target {
  scenario: string;
  metric: string;
  subject: string;
  stat: SummaryStat;
  baseline?: { id: string; stat: SummaryStat };
  maxRatio?: number;
  maxValue?: number;
  text: string;
}

/** Every target the README table reports; a row whose subject was not measured shows as not run. */
export const TARGETS: readonly Target[] = [
  { scenario: 'single edit 1k, 2 gw', metric: 'p50 ms', subject: 'edit.1000.artisync-2gw', stat: 'median',
    baseline: { id: 'edit.1000.lsyncd-delay0', stat: 'median' }, maxRatio: 1, text: '≤ 1× lsyncd delay=0' },
  { scenario: 'single edit 10k, 2 gw', metric: 'p50 ms', subject: 'edit.10000.artisync-2gw', stat: 'median',
    baseline: { id: 'edit.10000.lsyncd-delay0', stat: 'median' }, maxRatio: 0.5, text: '≤ 0.5× lsyncd delay=0' },
  { scenario: 'single edit 1k, 2 gw', metric: 'p99 ms', subject: 'edit.1000.artisync-2gw', stat: 'p99',
    baseline: { id: 'edit.1000.lsyncd-delay0', stat: 'p99' }, maxValue: 50, text: '≤ 50 ms' },
  { scenario: 'single edit 10k, 2 gw', metric: 'p99 ms', subject: 'edit.10000.artisync-2gw', stat: 'p99',
    baseline: { id: 'edit.1000.artisync-2gw', stat: 'p99' }, maxValue: 50, maxRatio: 1.2, text: '≤ 50 ms, ≤ 1.2× p99 at 1k' },
  { scenario: 'bulk 10k, 2 gw', metric: 'wall ms', subject: 'bulk.10000.artisync-2gw', stat: 'median',
    baseline: { id: 'bulk.10000.rsync-2dst', stat: 'median' }, maxRatio: 2, text: '≤ 2× rsync -a to 2 dst' },
  { scenario: 'cold start 10k', metric: 'wall ms', subject: 'cold.10000.artisync', stat: 'median',
    baseline: { id: 'cold.10000.cp-sync', stat: 'median' }, maxRatio: 1.5, text: '≤ 1.5× cp -r + sync' },
  { scenario: 'fan-out 10 gw', metric: 'p99 ms', subject: 'fanout.10gw.artisync', stat: 'p99',
    baseline: { id: 'fanout.1gw.artisync', stat: 'p99' }, maxRatio: 2, text: '≤ 2× p99 at 1 gw' },
  { scenario: 'drift check 10k', metric: 'wall ms', subject: 'drift.10000.artisync', stat: 'median',
    baseline: { id: 'drift.10000.rsync-scan', stat: 'median' }, maxRatio: 0.5, text: '≤ 0.5× rsync -a scan' },
  { scenario: 'publisher rescan 10k', metric: 'wall ms', subject: 'rescan.10000.artisync', stat: 'median',
    baseline: { id: 'drift.10000.rsync-scan', stat: 'median' }, maxRatio: 1.5, text: '≤ 1.5× rsync -a scan' },
  { scenario: 'publisher rescan 10k, 5 edited', metric: 'wall ms', subject: 'rescan.10000.artisync-5changed', stat: 'median',
    baseline: { id: 'rescan.10000.artisync', stat: 'median' }, maxRatio: 1.2, text: '≤ 1.2× unchanged round' },
  { scenario: 'idle gateway-only agent', metric: 'peak RSS MB', subject: 'resources.idle.gateway-rss', stat: 'max',
    maxValue: 60, text: '≤ 60 MB' },
  { scenario: 'idle publisher-only agent', metric: 'peak RSS MB', subject: 'resources.idle.publisher-rss', stat: 'max',
    maxValue: 60, text: '≤ 60 MB' },
  { scenario: 'resources 10k', metric: 'agent peak RSS MB', subject: 'resources.10000.agent-rss', stat: 'max',
    maxValue: 100, text: '≤ 100 MB' },
  { scenario: 'resources 10k', metric: 'hub peak RSS MB', subject: 'resources.10000.hub-rss', stat: 'max',
    maxValue: 150, text: '≤ 150 MB' },
  { scenario: 'resources 10k', metric: 'redis used_memory MB', subject: 'resources.10000.redis-used-memory', stat: 'max',
    baseline: { id: 'resources.10000.raw-head-bytes', stat: 'max' }, maxRatio: 0.5, text: '≤ 0.5× raw head bytes' },
];
