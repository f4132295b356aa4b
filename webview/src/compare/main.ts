// Compare Samples webview entry: a generation job's images in a grid, rows prompt × seed (the prompt shown once per
// group), columns the job's sources (base, checkpoints, final) with each column's mean CLIP score; cells fill in as the
// host's snapshots bring images, the one being made shows its denoising progress. A click opens a viewer (fit / 1:1,
// ←/→ across sources, ↑/↓ across rows, Esc). Bundled to dist/webview/compare.js.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import './compare.css';
import {
  checkCompareHostMessage,
  checkCompareWebviewMessage,
  COMPARE_PROTOCOL_VERSION,
  imageKey,
  type CompareHostMessage,
  type CompareImageView,
  type CompareJobView,
  type CompareWebviewMessage,
} from '../../../src/shared/compareProtocol';
import { clear, h } from '../dom';
import { vscodeApi } from '../vscodeApi';
import { loadCompareState, type CompareState, type ViewerMode } from './state';

function post(message: CompareWebviewMessage): void {
  const err = checkCompareWebviewMessage(message);
  if (err) {
    console.error(`compare: not sending invalid message: ${err}`);
    return;
  }
  vscodeApi().postMessage(message);
}

interface Row {
  promptIndex: number;
  seed: number;
}

/** Rows in grid order: every prompt, and under it image k of it (seed + k), as the script makes them. */
function rowsOf(job: CompareJobView): Row[] {
  const rows: Row[] = [];
  const s = job.settings;
  if (!s) return rows;
  for (let p = 0; p < job.prompts.length; p++) for (let k = 0; k < s.numImages; k++) rows.push({ promptIndex: p, seed: s.seed + k });
  return rows;
}

class Compare {
  private readonly api = vscodeApi();
  private readonly ui: CompareState;
  private job: CompareJobView | undefined;
  private rows: Row[] = [];
  private images = new Map<string, CompareImageView>();
  /** The grid's shape it was drawn for: a change of it draws the grid anew, otherwise only cells change. */
  private shapeKey = '';
  private readonly cells = new Map<string, HTMLElement>();
  private readonly heads: HTMLElement[] = [];
  private restored = false;

  private readonly header = h('header', { class: 'job', 'aria-live': 'polite' });
  private readonly grid = h('div', { class: 'grid', role: 'grid', 'aria-label': 'Samples' });
  private readonly viewer = h('div', { class: 'viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Image viewer', hidden: true });

  constructor(root: HTMLElement) {
    this.ui = loadCompareState(this.api);
    clear(root);
    root.append(this.header, this.grid, this.viewer);
    this.header.append(h('p', { class: 'muted' }, 'Waiting for the job…'));
    let pending = false;
    window.addEventListener('scroll', () => {
      if (pending || !this.restored) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.ui.scrollTop = window.scrollY;
        this.ui.scrollLeft = window.scrollX;
        this.save();
      });
    });
    window.addEventListener('keydown', (e) => this.onKey(e));
  }

  private save(): void {
    this.api.setState(this.ui);
  }

  handle(m: CompareHostMessage): void {
    switch (m.type) {
      case 'missing':
        clear(this.header);
        this.header.append(h('div', { class: 'banner banner-error', role: 'alert' }, m.message));
        if (this.ui.jobId === undefined) {
          this.ui.jobId = m.jobId;
          this.save();
        }
        break;
      case 'job':
        this.show(m.job);
        break;
    }
  }

  private show(job: CompareJobView): void {
    if (this.ui.jobId !== job.jobId) {
      // Another job: the old scroll and viewer mean nothing here.
      this.ui.jobId = job.jobId;
      this.ui.scrollTop = 0;
      this.ui.scrollLeft = 0;
      delete this.ui.viewer;
      this.save();
    }
    this.job = job;
    this.rows = rowsOf(job);
    this.images = new Map(job.images.map((i) => [imageKey(i.source, i.promptIndex, i.seed), i]));
    this.renderHeader(job);
    const shape = JSON.stringify([job.columns, job.prompts, job.settings?.seed, job.settings?.numImages, job.settings?.width, job.settings?.height]);
    if (shape !== this.shapeKey) {
      this.shapeKey = shape;
      this.renderGrid(job);
    }
    this.fillCells(job);
    if (!this.restored) {
      this.restored = true;
      window.scrollTo(this.ui.scrollLeft, this.ui.scrollTop);
      if (this.ui.viewer) this.openViewer(this.ui.viewer.row, this.ui.viewer.col, this.ui.viewer.mode);
    } else if (this.ui.viewer && !this.viewer.hidden) this.renderViewer();
  }

  private renderHeader(job: CompareJobView): void {
    clear(this.header);
    const s = job.settings;
    const status = job.status === 'succeeded' ? `succeeded · ${job.done} images` : `${job.status} · ${job.done} of ${job.total} images`;
    const parts: (HTMLElement | false | undefined)[] = [
      h('h2', {}, job.name),
      h('p', { class: 'status', 'data-status': job.status }, status),
      s
        ? h(
            'p',
            { class: 'settings' },
            [
              `${s.steps} steps`,
              `guidance ${s.guidance}`,
              `${s.width}×${s.height}`,
              `seed ${s.seed}${s.numImages > 1 ? `…${s.seed + s.numImages - 1}` : ''}`,
              s.device ? `device ${s.device}` : undefined,
            ]
              .filter(Boolean)
              .join(' · '),
          )
        : false,
      s?.negativePrompt ? h('p', { class: 'negative' }, h('span', { class: 'muted' }, 'Negative prompt: '), s.negativePrompt) : false,
      job.error ? h('div', { class: 'banner banner-error', role: 'alert' }, job.error) : false,
      this.clipNote(job),
    ];
    for (const p of parts) if (p) this.header.append(p);
  }

  private clipNote(job: CompareJobView): HTMLElement | false {
    const c = job.clip;
    if (c.state === 'scored') return false;
    if (c.state === 'scoring') return h('p', { class: 'clip-note muted' }, `CLIP scores: scoring with ${c.model}…`);
    if (c.state === 'unavailable') return h('p', { class: 'clip-note muted' }, c.message);
    const download = h('vscode-button', { secondary: true, class: 'download-clip' }, 'Download CLIP model…');
    download.addEventListener('click', () => post({ type: 'downloadClip' }));
    return h('p', { class: 'clip-note muted' }, `CLIP scores: not downloaded (${c.model}). `, download);
  }

  private renderGrid(job: CompareJobView): void {
    clear(this.grid);
    this.cells.clear();
    this.heads.length = 0;
    const n = job.columns.length;
    this.grid.style.setProperty('--columns', String(Math.max(n, 1)));
    const ratio = job.settings ? `${job.settings.width} / ${job.settings.height}` : '1 / 1';
    this.grid.style.setProperty('--ratio', ratio);
    this.grid.append(h('div', { class: 'corner', role: 'columnheader' }));
    for (const c of job.columns) {
      const head = h(
        'div',
        { class: 'col-head', role: 'columnheader', 'data-source': c.label },
        h('div', { class: 'col-title' }, c.title),
        h('div', { class: 'col-score' }),
      );
      this.heads.push(head);
      this.grid.append(head);
    }
    if (this.rows.length === 0) this.grid.append(h('p', { class: 'empty muted' }, job.settings ? 'No prompts.' : 'Waiting for the job’s settings…'));
    this.rows.forEach((row, r) => {
      if (row.seed === job.settings!.seed)
        this.grid.append(h('div', { class: 'prompt', role: 'rowheader', 'data-prompt': row.promptIndex }, job.prompts[row.promptIndex] ?? ''));
      this.grid.append(h('div', { class: 'row-head', role: 'rowheader' }, `seed ${row.seed}`));
      job.columns.forEach((c, col) => {
        const cell = h('button', {
          class: 'cell pending',
          role: 'gridcell',
          'data-source': c.label,
          'data-prompt': row.promptIndex,
          'data-seed': row.seed,
          'aria-label': `${c.title}, prompt ${row.promptIndex + 1}, seed ${row.seed}`,
        });
        cell.addEventListener('click', () => {
          if (this.images.has(imageKey(c.label, row.promptIndex, row.seed))) this.openViewer(r, col, this.ui.viewer?.mode ?? 'fit');
        });
        this.cells.set(imageKey(c.label, row.promptIndex, row.seed), cell);
        this.grid.append(cell);
      });
    });
  }

  /** Each cell shows its image, the progress of the one being made, or that it waits; each column its mean score. */
  private fillCells(job: CompareJobView): void {
    const cur = job.current;
    const running = job.status === 'generating' || job.status === 'loading' || job.status === 'starting';
    for (const [key, cell] of this.cells) {
      const img = this.images.get(key);
      const isCurrent = running && !img && cur !== undefined && key === imageKey(cur.source, cur.promptIndex, cur.seed);
      const want = img ? `img ${img.uri} ${img.clipScore ?? ''}` : isCurrent ? `cur ${cur.step}/${cur.steps}` : running ? 'wait' : 'none';
      if (cell.dataset.shown === want) continue;
      cell.dataset.shown = want;
      clear(cell);
      cell.className = `cell ${img ? 'filled' : isCurrent ? 'current' : 'pending'}`;
      if (img) {
        cell.append(h('img', { src: img.uri, alt: cell.getAttribute('aria-label') ?? '', draggable: 'false' }));
        if (img.clipScore !== undefined) cell.append(h('span', { class: 'score', title: 'CLIP score against the prompt' }, img.clipScore.toFixed(1)));
      } else if (isCurrent) {
        cell.append(
          h(
            'div',
            { class: 'placeholder' },
            h('vscode-progress-bar', { value: cur.step, max: cur.steps }),
            h('span', { class: 'progress-text' }, `step ${cur.step} of ${cur.steps}`),
          ),
        );
      } else cell.append(h('div', { class: 'placeholder muted' }, running ? 'waiting' : 'not made'));
    }
    job.columns.forEach((c, i) => {
      let sum = 0;
      let n = 0;
      for (const img of job.images)
        if (img.source === c.label && img.clipScore !== undefined) {
          sum += img.clipScore;
          n++;
        }
      const box = this.heads[i]?.querySelector('.col-score');
      if (box) box.textContent = n > 0 ? `CLIP ${(sum / n).toFixed(1)} (mean of ${n})` : '';
    });
  }

  // The viewer ---------------------------------------------------------------------------------------------------

  private openViewer(row: number, col: number, mode: ViewerMode): void {
    if (!this.job || row >= this.rows.length || col >= this.job.columns.length) {
      delete this.ui.viewer;
      this.save();
      return;
    }
    this.ui.viewer = { row, col, mode };
    this.save();
    this.viewer.hidden = false;
    document.body.classList.add('viewing');
    this.renderViewer();
    (this.viewer.querySelector('.close') as HTMLElement | null)?.focus();
  }

  private closeViewer(): void {
    const v = this.ui.viewer;
    delete this.ui.viewer;
    this.save();
    this.viewer.hidden = true;
    document.body.classList.remove('viewing');
    clear(this.viewer);
    delete this.viewer.dataset.shown;
    if (v && this.job) {
      const row = this.rows[v.row];
      const c = this.job.columns[v.col];
      if (row && c) this.cells.get(imageKey(c.label, row.promptIndex, row.seed))?.focus();
    }
  }

  private renderViewer(): void {
    const v = this.ui.viewer;
    const job = this.job;
    if (!v || !job) return;
    const row = this.rows[v.row];
    const col = job.columns[v.col];
    if (!row || !col) return this.closeViewer();
    const img = this.images.get(imageKey(col.label, row.promptIndex, row.seed));
    // A snapshot comes with every denoising step of a running job: the viewer is drawn anew only when what it shows changed.
    const shown = JSON.stringify([v, img?.uri, img?.clipScore, this.rows.length, job.columns.length]);
    if (this.viewer.dataset.shown === shown) return;
    this.viewer.dataset.shown = shown;
    clear(this.viewer);
    const fit = h('vscode-button', { secondary: v.mode !== 'fit', class: 'mode-fit', 'aria-pressed': String(v.mode === 'fit') }, 'Fit');
    const actual = h('vscode-button', { secondary: v.mode !== 'actual', class: 'mode-actual', 'aria-pressed': String(v.mode === 'actual') }, '1:1');
    const save = h('vscode-button', { secondary: true, class: 'save', disabled: !img }, 'Save image as…');
    const close = h('vscode-button', { secondary: true, class: 'close', 'aria-label': 'Close the viewer (Esc)' }, 'Close');
    fit.addEventListener('click', () => this.setMode('fit'));
    actual.addEventListener('click', () => this.setMode('actual'));
    save.addEventListener('click', () => {
      if (img) post({ type: 'saveImage', jobId: job.jobId, source: img.source, promptIndex: img.promptIndex, seed: img.seed });
    });
    close.addEventListener('click', () => this.closeViewer());
    const score = img?.clipScore !== undefined ? ` · CLIP ${img.clipScore.toFixed(1)}` : '';
    this.viewer.append(
      h(
        'div',
        { class: 'viewer-bar' },
        h('span', { class: 'viewer-title' }, `${col.title} · seed ${row.seed}${score}`),
        h(
          'span',
          { class: 'viewer-pos muted' },
          `source ${v.col + 1}/${job.columns.length} · row ${v.row + 1}/${this.rows.length} · ←/→ sources, ↑/↓ rows, Esc`,
        ),
        h('span', { class: 'viewer-actions' }, fit, actual, save, close),
      ),
      h('p', { class: 'viewer-prompt' }, job.prompts[row.promptIndex] ?? ''),
      h(
        'div',
        { class: `viewer-stage ${v.mode}` },
        img
          ? h('img', { src: img.uri, alt: `${col.title}, seed ${row.seed}`, 'data-source': col.label, 'data-prompt': row.promptIndex, 'data-seed': row.seed })
          : h('p', { class: 'muted not-yet' }, 'This image is not made yet.'),
      ),
    );
  }

  private setMode(mode: ViewerMode): void {
    if (!this.ui.viewer) return;
    this.ui.viewer.mode = mode;
    this.save();
    this.renderViewer();
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.ui.viewer;
    if (!v || this.viewer.hidden || !this.job) return;
    const cols = this.job.columns.length;
    const rows = this.rows.length;
    let { row, col } = v;
    switch (e.key) {
      case 'Escape':
        e.preventDefault();
        this.closeViewer();
        return;
      case 'ArrowLeft':
        col = (col - 1 + cols) % cols;
        break;
      case 'ArrowRight':
        col = (col + 1) % cols;
        break;
      case 'ArrowUp':
        row = (row - 1 + rows) % rows;
        break;
      case 'ArrowDown':
        row = (row + 1) % rows;
        break;
      default:
        return;
    }
    e.preventDefault();
    this.ui.viewer = { row, col, mode: v.mode };
    this.save();
    this.renderViewer();
  }
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
  const compare = new Compare(root);
  window.addEventListener('message', (event: MessageEvent) => {
    const err = checkCompareHostMessage(event.data);
    if (err) {
      console.warn(`compare: ignored invalid message: ${err}`);
      return;
    }
    try {
      compare.handle(event.data as CompareHostMessage);
    } catch (e) {
      console.error('compare: failed to apply message', e);
    }
  });
  post({ type: 'ready', protocol: COMPARE_PROTOCOL_VERSION });
}

start();
