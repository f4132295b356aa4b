// The Ranks view of a multi-process run: per rank its state and what it printed last, the rank that failed first
// marked. Shown only when the host sent ranks (more than one rank printed); compact, one row per rank.
import type { RanksView } from '../../src/shared/dashboardProtocol';
import { clear, h } from './dom';

const STATE_TEXT: Record<RanksView['ranks'][number]['state'], string> = { running: 'running', failed: 'failed', ended: 'ended' };

export function renderRanks(el: HTMLElement, ranks: RanksView | undefined): void {
  // Rebuilt only when what it says changes (every delta re-renders the dashboard).
  const sig = ranks ? JSON.stringify(ranks) : '';
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  clear(el);
  el.hidden = !ranks;
  if (!ranks) return;
  const count = ranks.processes ?? ranks.ranks.length;
  const first = ranks.ranks.find((r) => r.first);
  const summary = `Ranks: ${ranks.ranks.length} of ${count} seen` + (first ? `, rank ${first.rank} failed first` : '');
  const rows = h('tbody');
  for (const r of ranks.ranks) {
    rows.append(
      h(
        'tr',
        { class: `rank rank-${r.state}${r.first ? ' rank-first' : ''}`, 'data-rank': r.rank },
        h('th', { scope: 'row' }, `rank ${r.rank}`),
        h('td', { class: 'rank-state' }, STATE_TEXT[r.state] + (r.first ? ' (first)' : '')),
        h('td', { class: 'rank-line', title: r.error ?? r.lastLine ?? '' }, r.error ?? r.lastLine ?? ''),
      ),
    );
  }
  el.append(
    h(
      'details',
      { class: 'ranks', open: !!first },
      h('summary', {}, summary),
      h('table', { class: 'ranks-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Rank'), h('th', {}, 'State'), h('th', {}, 'Last line or error'))), rows),
      ranks.more ? h('p', { class: 'ranks-more' }, `${ranks.more} lines of further ranks not shown (at most 64 are kept).`) : undefined,
    ),
  );
}
