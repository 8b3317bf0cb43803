// Renders the status page as one self-contained HTML document: inline CSS, no script, no external asset.
import type { GatewayLabelState, NodeStatus } from '../../core/hub-api.js';
import type { ChangedFile, StatusView } from './status-view.js';

/** Seconds between the page's own reloads. */
export const REFRESH_SECONDS = 5;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d2330;background:#f6f7f9}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .5em}h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d5d9e0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eceff4}.ok{color:#1a7f37}.bad{color:#b42318;font-weight:600}.muted{color:#6b7280}
.changeset{background:#fff;border:1px solid #d5d9e0;margin:.5em 0;padding:.4em .7em}
pre.diff{background:#fbfbfc;border:1px solid #e3e6eb;padding:.4em;overflow-x:auto;font:12px/1.35 ui-monospace,monospace;margin:.3em 0}
pre.diff span{display:block;min-height:1.35em}.add{color:#1a7f37;background:#e9f7ee}.del{color:#b42318;background:#fdeceb}.hunk{color:#6f42c1}
code{font:12px ui-monospace,monospace}`;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function time(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function labelState(label: string, state: GatewayLabelState): string {
  const health = state.state ?? (state.lag > 0 ? 'behind' : 'ok');
  const reason = state.failing === undefined ? '' : `: ${state.failing.count} failing (${state.failing.paths.join(', ')}): ${state.failing.reason}`;
  const cls = health === 'ok' ? 'ok' : 'bad';
  return `<div><b>${escape(label)}</b> applied <code>${escape(state.appliedRevision)}</code> / hub <code>${escape(state.hubRevision ?? '?')}</code>, lag ${state.lag} <span class="${cls}">${escape(health + reason)}</span></div>`;
}

function verification(node: NodeStatus): string {
  const last = node.lastVerification;
  if (last === undefined) return '<span class="muted">never</span>';
  const labels = Object.entries(last.labels ?? {}).map(([label, state]) => `${escape(label)}: ${escape(state.state)}${state.reason === undefined ? '' : ` (${escape(state.reason)})`}`);
  return `<span class="${last.ok ? 'ok' : 'bad'}">${last.ok ? 'ok' : 'drift'}</span> ${time(last.at)}, repaired ${last.repaired}${last.drift === undefined ? '' : `, drift ${last.drift}`}${labels.length === 0 ? '' : `<br>${labels.join('<br>')}`}`;
}

function nodeRow(node: NodeStatus, now: number): string {
  const invalid = node.invalid.map((file) => `<div class="bad">${escape(file.path)}: ${escape(file.code)} ${escape(file.message)}</div>`).join('');
  const gateway = Object.entries(node.gatewayLabels).map(([label, state]) => labelState(label, state)).join('');
  return `<tr><td><b>${escape(node.node)}</b>${node.ready ? '' : ' <span class="bad">not ready</span>'}</td><td>${escape(node.roles.join(', '))}</td>`
    + `<td>${node.publisherLabels.length === 0 ? '' : `publishes ${escape(node.publisherLabels.join(', '))}`}${gateway}</td>`
    + `<td>${node.overrides.map((path) => `<div>${escape(path)}</div>`).join('') || '<span class="muted">none</span>'}</td>`
    + `<td>${invalid || '<span class="muted">none</span>'}${node.lastError === undefined ? '' : `<div class="bad">${escape(node.lastError)}</div>`}</td>`
    + `<td>${verification(node)}</td><td>${Math.round((now - node.lastSeen) / 1000)} s ago</td></tr>`;
}

function diffBlock(file: ChangedFile): string {
  const lines = file.diff.split('\n').map((line) => {
    const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
    return cls === '' ? `<span>${escape(line)}</span>` : `<span class="${cls}">${escape(line)}</span>`;
  });
  return `<details open><summary><code>${escape(file.op)} ${escape(file.path)}</code> v${file.version}${file.conflict ? ' <span class="bad">conflict</span>' : ''}</summary><pre class="diff">${lines.join('')}</pre></details>`;
}

/** The whole page for one view; it reloads itself every REFRESH_SECONDS. */
export function renderStatusPage(view: StatusView): string {
  const nodes = view.nodes.length === 0
    ? '<p class="muted">no node has reported to this hub yet</p>'
    : `<table><thead><tr><th>node</th><th>roles</th><th>labels: applied revision, lag, state</th><th>overrides</th><th>failing files</th><th>last verification</th><th>last seen</th></tr></thead><tbody>${view.nodes.map((node) => nodeRow(node, view.now)).join('')}</tbody></table>`;
  const labels = view.labels.map(({ label, changesets }) => `<h3>${escape(label)}</h3>${changesets.map((changeset) =>
    `<div class="changeset"><div><code>${escape(changeset.revision)}</code> by <b>${escape(changeset.node)}</b> at ${time(changeset.committedAt)}, ${changeset.files.length} file(s)</div>${changeset.files.map(diffBlock).join('')}</div>`).join('') || '<p class="muted">no changesets</p>'}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${REFRESH_SECONDS}">`
    + `<meta name="viewport" content="width=device-width"><title>artisync status</title><style>${STYLE}</style></head><body>`
    + `<h1>artisync status</h1><div class="muted">hub time ${time(view.now)}; refreshes every ${REFRESH_SECONDS} s; read-only</div>`
    + `<h2>Nodes</h2>${nodes}<h2>Recent changesets</h2>${labels || '<p class="muted">no label yet</p>'}</body></html>`;
}
