// The small panels around the charts: run list, banners (failure, simulation), progress/throughput and checkpoints.
import { formatBytes } from '../../src/shared/bytes';
import { epochNumber } from '../../src/shared/epochs';
import { formatSpeed, type SpeedUnit } from '../../src/shared/speed';
import type { PauseView } from '../../src/shared/dashboardProtocol';
import { h, checkbox, clear, formatDuration, formatNumber } from './dom';
import type { RunData } from './store';
import { post } from './vscodeApi';
import { runStroke } from './theme';

/** How the run list is drawn: each run's fixed colour index, and whether the list is folded to its header. */
export interface RunListOptions {
  colours: Readonly<Record<string, number>>;
  collapsed: boolean;
  onCollapse(collapsed: boolean): void;
}

/** Checkbox per run; checked runs are overlaid in the charts. The header folds the list away. */
export function renderRunList(
  el: HTMLElement,
  runs: RunData[],
  selected: string[],
  palette: string[],
  onToggle: (runId: string, on: boolean) => void,
  opts: RunListOptions = { colours: {}, collapsed: false, onCollapse: () => undefined },
): void {
  clear(el);
  el.classList.toggle('collapsed', opts.collapsed);
  const shown = runs.filter((r) => selected.includes(r.view.id)).length;
  const toggle = h(
    'button',
    {
      class: 'runs-toggle',
      type: 'button',
      id: 'runs-title',
      'aria-expanded': String(!opts.collapsed),
      'aria-controls': 'run-list',
      title: opts.collapsed ? 'Show the run list' : 'Fold the run list away',
      // Kept focused across redraws like the run checkboxes (main.ts restores focus by data-run; no run id holds a colon).
      'data-run': ':runs-toggle',
    },
    h('span', { class: `codicon-like ${opts.collapsed ? 'folded' : 'open'}`, 'aria-hidden': 'true' }, opts.collapsed ? '▸' : '▾'),
    ` Runs (${shown} of ${runs.length} shown)`,
  );
  toggle.addEventListener('click', () => opts.onCollapse(!opts.collapsed));
  el.append(h('h3', { class: 'runs-header' }, toggle));
  if (opts.collapsed) return;
  const list = h('div', { class: 'run-list', id: 'run-list', role: 'group', 'aria-labelledby': 'runs-title' });
  runs.forEach((r, i) => {
    const v = r.view;
    const on = selected.includes(v.id);
    const box = checkbox({ checked: on || undefined, label: v.label, 'data-run': v.id, 'aria-label': `Show run ${v.label}` });
    box.addEventListener('change', () => onToggle(v.id, box.checked));
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true', 'data-run-swatch': v.id });
    const stroke = runStroke(opts.colours[v.id] ?? i, palette);
    swatch.style.background = stroke.color;
    if (stroke.dash) swatch.classList.add('swatch-dashed');
    const tags = [
      v.script,
      v.status.outcome === 'running' && v.status.slurm?.pending ? 'pending in Slurm' : v.status.outcome,
      v.simulated ? 'simulated' : undefined,
      v.loaded ? undefined : 'not loaded',
      ...(v.tags ?? []).map((t) => `#${t}`),
    ]
      .filter(Boolean)
      .join(' · ');
    list.append(h('div', { class: 'run-item' }, swatch, box, h('span', { class: 'muted' }, tags)));
  });
  el.append(list);
  const compare = h(
    'vscode-button',
    { secondary: true, disabled: selected.length < 2 || undefined, 'aria-label': 'Compare the selected runs' },
    'Compare selected',
  );
  compare.addEventListener('click', () => {
    if (selected.length >= 2) post({ type: 'compareRuns', runIds: [...selected] });
  });
  el.append(compare);
}

/** The focused run's name, tags and note (the user's own words: set as text, never as markup). */
export function renderRunLabels(el: HTMLElement, run: RunData | undefined): void {
  const sig = run ? JSON.stringify([run.view.id, run.view.label, run.view.tags, run.view.note]) : '';
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  clear(el);
  if (!run) return;
  const v = run.view;
  el.append(h('h2', { class: 'run-name', title: v.id }, v.label));
  if (v.tags?.length) {
    const tags = h('ul', { class: 'run-tags', 'aria-label': 'Tags' });
    for (const t of v.tags) tags.append(h('li', { class: 'run-tag' }, `#${t}`));
    el.append(tags);
  }
  if (v.note) el.append(h('p', { class: 'run-note' }, v.note));
}

export function renderBanners(el: HTMLElement, run: RunData | undefined): void {
  // Rebuilt only when what they say changes: every delta re-renders, and a rebuild would take the keyboard focus off
  // the banner's button and fold the notes the user opened.
  const sig = run ? JSON.stringify([run.view.id, run.view.simulated, run.view.failure, run.view.notices]) : '';
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  clear(el);
  if (!run) return;
  const v = run.view;
  if (v.simulated) {
    el.append(
      h(
        'div',
        { class: 'banner banner-sim', role: 'status' },
        h('strong', {}, 'Simulation. '),
        'This run uses the stand-in trainer: its numbers and images are made up, not a real SDXL training.',
      ),
    );
  }
  const f = v.failure;
  if (f) {
    const actions = h('div', { class: 'banner-actions' });
    if (f.consoleLine !== undefined) {
      const line = f.consoleLine;
      const open = h('vscode-button', { 'aria-label': `Open the console log at line ${line}` }, `Open console at line ${line}`);
      open.addEventListener('click', () => post({ type: 'openConsoleAt', runId: v.id, line }));
      actions.append(open);
    }
    if (f.fixTitle) {
      // The host applies the fix it knows for this run to the run's config and says what it changed.
      const fix = h(
        'vscode-button',
        { secondary: true, 'data-action': 'apply-fix', 'aria-label': `Apply fix to the run's config: ${f.fixTitle}` },
        `Apply fix: ${f.fixTitle}`,
      );
      fix.addEventListener('click', () => post({ type: 'applyFix', runId: v.id }));
      actions.append(fix);
    }
    el.append(
      h(
        'div',
        { class: 'banner banner-error', role: 'alert', 'data-failure': f.class },
        h('div', { class: 'banner-title' }, `Training failed: ${f.title ?? f.class.replace(/_/g, ' ')}`),
        h('p', {}, f.message),
        h('p', {}, h('strong', {}, 'What to do: '), f.remedy),
        actions,
      ),
    );
  }
  // The extension's own notes (files it could not read, records it skipped or could not write): folded, since the
  // run itself may be fine, but never hidden, since they say why a chart or image may be missing.
  const notes = v.notices ?? [];
  if (notes.length) {
    const list = h('ul', { class: 'notices' });
    for (const n of notes) list.append(h('li', {}, n));
    el.append(
      h(
        'details',
        { class: 'banner banner-notes', role: 'status', 'data-notices': String(notes.length) },
        h('summary', {}, `${notes.length} ${notes.length === 1 ? 'note' : 'notes'} from the extension about this run`),
        list,
      ),
    );
  }
}

export interface StatusOptions {
  /** The `sdxl.speedUnit` setting. */
  unit?: SpeedUnit;
  /** More runs are shown than this one: the header names the run the numbers belong to. */
  several?: boolean;
  /** Wall-clock ms now, for the live elapsed time. */
  now?: number;
}

/** What a running run waits for before it has a speed, instead of a "?". */
function waitingText(s: RunData['view']['status']): string {
  if (s.phase === 'pre-computing') return 'pre-computing…';
  if (s.step === undefined || s.phase === 'starting') return 'starting…';
  return s.step === 0 ? 'waiting for first step' : 'measuring…';
}

function pauseText(p: PauseView | undefined, one: string, many: string): string {
  return p ? `${p.count} ${p.count === 1 ? one : many}, ${formatDuration(p.seconds)}` : '';
}

function clockTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function renderStatus(el: HTMLElement, run: RunData | undefined, opts: StatusOptions = {}): void {
  clear(el);
  if (!run) {
    el.append(h('p', { class: 'empty' }, 'Select a run.'));
    return;
  }
  const s = run.view.status;
  const unit = opts.unit ?? 'auto';
  const running = s.outcome === 'running';
  const stalled = running && !!s.stalledSeconds;
  const stepText = s.step !== undefined ? `${s.step}${s.totalSteps ? ` / ${s.totalSteps}` : ''}` : '–';
  const epochText = s.epoch !== undefined ? `${epochNumber(s.epoch)}${s.totalEpochs ? ` / ${s.totalEpochs}` : ''}` : '–';
  // Elapsed ticks while the run runs; once it ended, the whole duration.
  // A Slurm job still pending has not started: its clock starts when a node runs it (the record's startedAt then).
  const pending = running && !!s.slurm?.pending;
  const end = s.endedAt ?? (running && !pending ? (opts.now ?? Date.now()) : undefined);
  const took = s.startedAt !== undefined && end !== undefined && end >= s.startedAt ? formatDuration((end - s.startedAt) / 1000) : '–';
  const eta = !running ? '–' : s.etaSeconds !== undefined ? `${formatDuration(s.etaSeconds)}${s.etaPartial ? ' + pauses not seen yet' : ''}` : waitingText(s);
  const pauses = [pauseText(s.validationPause, 'validation', 'validations'), pauseText(s.checkpointPause, 'save', 'saves')].filter(Boolean).join(' · ');
  // A Slurm job still pending is not running yet: say so, with Slurm's reason on the job's own line.
  const outcome = pending ? 'pending in Slurm' : s.outcome;
  const items: Array<[field: string, label: string, value: string]> = [
    [
      'state',
      'State',
      `${outcome}${s.phase && running ? ` (${s.phase})` : ''}${stalled ? ` — stalled, no step for ${formatDuration(s.stalledSeconds!)}` : ''}`,
    ],
    ['step', 'Step', stepText],
    ['epoch', 'Epoch', epochText],
    ['started', 'Started', s.startedAt !== undefined && !pending ? clockTime(s.startedAt) : '–'],
    [running ? 'elapsed' : 'duration', running ? 'Elapsed' : 'Duration', took],
    ['speed', 'Speed (recent)', s.secondsPerIt !== undefined ? formatSpeed(s.secondsPerIt, unit) : running ? waitingText(s) : '–'],
    ['average', 'Average speed', s.avgSecondsPerIt !== undefined ? formatSpeed(s.avgSecondsPerIt, unit) : '–'],
    ['throughput', 'Throughput', s.imagesPerSec !== undefined ? `${formatNumber(s.imagesPerSec, 3)} images/s` : '–'],
    ['eta', 'ETA', eta],
    ['pauses', 'Pauses', pauses || '–'],
  ];
  if (s.slurm) items.splice(1, 0, ['slurm', 'Slurm job', `${s.slurm.jobId} · ${s.slurm.text}`]);
  if (opts.several) el.append(h('p', { class: 'status-of', 'data-field': 'numbers-of' }, `Numbers of: ${run.view.label}`));
  const dl = h('dl', { class: 'status-grid', 'aria-label': `Status of ${run.view.label}` });
  for (const [field, k, v] of items) {
    dl.append(h('div', {}, h('dt', {}, k), h('dd', { 'data-field': field, ...(field === 'state' && stalled ? { class: 'stalled' } : {}) }, v)));
  }
  el.append(dl);
  if (s.totalSteps && s.step !== undefined) {
    const pct = Math.min(100, (100 * s.step) / s.totalSteps);
    el.append(h('progress', { max: 100, value: pct.toFixed(1), 'aria-label': `Training progress ${pct.toFixed(0)} percent` }));
  }
}

export function renderCheckpoints(el: HTMLElement, run: RunData | undefined): void {
  clear(el);
  el.append(h('h3', { id: 'ckpt-title' }, 'Checkpoints'));
  const cps = run ? [...run.view.checkpoints].sort((a, b) => a.step - b.step) : [];
  if (!run || cps.length === 0) {
    el.append(h('p', { class: 'empty' }, 'No checkpoints yet.'));
    return;
  }
  const table = h(
    'table',
    { class: 'checkpoints', 'aria-labelledby': 'ckpt-title' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Step'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Size'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
  );
  const body = h('tbody');
  for (const c of cps) {
    const open = h('vscode-button', { secondary: true, 'aria-label': `Open checkpoint at step ${c.step}` }, 'Open');
    open.addEventListener('click', () => post({ type: 'openCheckpoint', runId: run.view.id, step: c.step, path: c.path }));
    body.append(
      h(
        'tr',
        {},
        h('td', {}, String(c.step)),
        h('td', {}, c.complete ? 'complete' : 'incomplete'),
        h('td', {}, c.sizeBytes !== undefined ? formatBytes(c.sizeBytes) : '–'),
        h('td', {}, open),
      ),
    );
  }
  table.append(body);
  el.append(table);
}
