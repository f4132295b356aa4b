// The Validation tab's samples grid: rows = validation prompts (the final test images a row of their own), columns =
// validations, newest first unless the user flips it, each column labelled with its step and 1-based epoch. A scrubber
// picks which columns are shown; only those are built (hundreds of validations × 4 images stay cheap), and only when
// the images, the options or the width change. Click or Enter on an image opens the viewer (viewer.ts).
import type { GalleryImageView } from '../../src/shared/dashboardProtocol';
import { h, checkbox, clear } from './dom';
import type { RunData } from './store';
import { buildGrid, cellKey, columnLabel, orderedColumns, visibleWindow, type SampleGrid } from './samplesModel';
import { MAX_THUMB, MIN_THUMB, type SamplesUi, type UiState } from './state';
import { Viewer, type ViewerRun } from './viewer';

/** The host's thumbnails are at most this long (core/worker/validationImages.ts); larger cells load the full image. */
const HOST_THUMB = 256;
const LABEL_WIDTH = 150;
const CELL_GAP = 10;
const AUTO_COLUMNS = 4;

export class Gallery {
  readonly el: HTMLElement;
  private readonly toolbar = h('div', { class: 'toolbar samples-toolbar', role: 'toolbar', 'aria-label': 'Samples grid options' });
  private readonly body = h('div', { class: 'gallery-body' });
  private readonly viewer: Viewer;
  private signature = '';
  private grids = new Map<string, { rev: number; grid: SampleGrid }>();
  private runs: RunData[] = [];
  private focus: RunData | undefined;
  private ui: SamplesUi | undefined;
  /** The thumbnail width the grid uses now (CSS px), before the never-upscale cap of each image. */
  private thumbSize = 160;
  private width = 0;

  constructor(private readonly onChange: () => void) {
    this.viewer = new Viewer(
      {
        runs: () => this.viewerRuns(),
        thumbWidth: (img) => Math.min(this.thumbSize, img.width ?? this.thumbSize),
      },
      (s) => {
        if (!this.ui) return;
        if (s) this.ui.viewer = s;
        else delete this.ui.viewer;
        this.onChange();
      },
    );
    this.el = h(
      'section',
      { class: 'gallery', 'aria-labelledby': 'gallery-title' },
      h('h3', { id: 'gallery-title' }, 'Validation samples'),
      this.toolbar,
      this.body,
      this.viewer.dialog,
    );
    // Thumbnails follow the panel's width: a new width re-lays the grid (at most once a frame, through onChange).
    new ResizeObserver(() => {
      const w = this.body.clientWidth;
      if (w > 0 && Math.abs(w - this.width) >= 8) {
        this.width = w;
        this.onChange();
      }
    }).observe(this.body);
  }

  update(run: RunData | undefined, ui: UiState, selected: RunData[] = run ? [run] : []): void {
    this.ui = ui.samples;
    this.focus = run;
    this.runs = !run || selected.includes(run) ? selected : [run, ...selected];
    const s = ui.samples;
    const sig = JSON.stringify([
      run?.view.id,
      run?.galleryRev,
      run?.view.label,
      run?.view.validationPrompt,
      s.newestFirst,
      s.size,
      s.start,
      this.width,
      this.runs.map((r) => [r.view.id, r.galleryRev]),
    ]);
    if (sig !== this.signature) {
      this.signature = sig;
      this.render(run, s);
    }
    if (s.viewer && !this.viewer.isOpen && this.viewer.canShow(s.viewer)) this.viewer.open(s.viewer);
    else this.viewer.refresh();
  }

  private gridOf(run: RunData): SampleGrid {
    const known = this.grids.get(run.view.id);
    if (known && known.rev === run.galleryRev) return known.grid;
    const grid = buildGrid(run.view.gallery, run.view.validationPrompt);
    this.grids.set(run.view.id, { rev: run.galleryRev, grid });
    return grid;
  }

  private viewerRuns(): ViewerRun[] {
    return this.runs.map((r) => ({ id: r.view.id, label: r.view.label, grid: this.gridOf(r) }));
  }

  private render(run: RunData | undefined, s: SamplesUi): void {
    clear(this.toolbar);
    clear(this.body);
    if (!run || run.view.gallery.length === 0) {
      this.body.append(h('p', { class: 'empty' }, 'No validation images yet. They appear after each validation epoch.'));
      return;
    }
    const grid = this.gridOf(run);
    const columns = orderedColumns(grid, s.newestFirst);
    const perCell = Math.max(1, grid.perCell);
    const avail = Math.max(200, (this.width || this.body.clientWidth || 900) - LABEL_WIDTH);
    // Auto: the newest few validations fill the width; a chosen size is kept. Never past the host's images' size.
    const largest = largestWidth(run.view.gallery);
    const auto = Math.floor(avail / Math.min(AUTO_COLUMNS, columns.length) / perCell) - CELL_GAP;
    this.thumbSize = clamp(s.size || Math.min(auto, HOST_THUMB), MIN_THUMB, MAX_THUMB);
    if (largest > 0) this.thumbSize = Math.min(this.thumbSize, Math.max(MIN_THUMB, largest));
    const cellWidth = this.thumbSize * perCell + CELL_GAP;
    const fits = Math.max(1, Math.floor(avail / cellWidth));
    const win = visibleWindow(columns.length, s.start, fits);
    if (win.start !== s.start) s.start = win.start;
    const shown = columns.slice(win.start, win.end);

    this.toolbar.append(...this.controls(s, columns.map(columnLabel), win, fits));
    const table = h('table', {
      class: 'gallery-grid',
      'aria-label': 'Validation samples: prompts by validation',
      'data-columns': columns.length,
      'data-shown': `${win.start}-${win.end}`,
    });
    const head = h('tr', {}, h('th', { class: 'corner', scope: 'col' }, 'Prompt'));
    for (const c of shown) head.append(h('th', { class: 'samples-col-head', scope: 'col', 'data-col': c.key }, columnLabel(c)));
    table.append(h('thead', {}, head));
    const tbody = h('tbody');
    for (const row of grid.rows) {
      const tr = h('tr', { class: 'gallery-row', 'data-row': row.key }, h('th', { class: 'gallery-row-label', scope: 'row', title: row.label }, row.label));
      for (const c of shown) {
        const td = h('td', { class: 'samples-cell', 'data-col': c.key });
        for (const img of grid.cells.get(cellKey(row.key, c.key)) ?? []) td.append(this.thumb(run, row.key, c.key, img, perCell));
        tr.append(td);
      }
      tbody.append(tr);
    }
    table.append(tbody);
    this.body.append(table);
  }

  private controls(s: SamplesUi, labels: string[], win: { start: number; end: number }, fits: number): HTMLElement[] {
    const order = checkbox({ label: 'Newest first', checked: s.newestFirst || undefined, 'data-option': 'newestFirst' });
    order.addEventListener('change', () => {
      s.newestFirst = order.checked;
      s.start = 0;
      this.onChange();
    });
    const size = h('input', {
      type: 'range',
      class: 'samples-size',
      min: MIN_THUMB - 8,
      max: MAX_THUMB,
      step: 8,
      value: s.size || MIN_THUMB - 8,
      'aria-label': 'Thumbnail size',
      'aria-valuetext': s.size ? `${s.size} px` : 'fit the panel',
    });
    // The slider's lowest stop is "fit": thumbnails follow the panel's width.
    size.addEventListener('change', () => {
      const v = Number(size.value);
      s.size = v < MIN_THUMB ? 0 : v;
      this.onChange();
    });
    const sizeOut = h('output', { class: 'samples-size-value' }, s.size ? `${s.size} px` : `fit (${this.thumbSize} px)`);
    const out: HTMLElement[] = [order, h('label', {}, 'Size'), size, sizeOut];
    const last = Math.max(0, labels.length - fits);
    if (last > 0) {
      const scrub = h('input', {
        type: 'range',
        class: 'samples-scrubber',
        min: 0,
        max: last,
        step: 1,
        value: win.start,
        'aria-label': 'Validations shown',
        'aria-valuetext': `${labels[win.start]} to ${labels[win.end - 1]}`,
      });
      scrub.addEventListener('input', () => {
        s.start = Number(scrub.value);
        this.onChange();
      });
      out.push(h('label', {}, 'Validations'), scrub);
    }
    out.push(h('output', { class: 'samples-range muted' }, `${labels[win.start]} … ${labels[win.end - 1]} (${win.end - win.start} of ${labels.length})`));
    return out;
  }

  private thumb(run: RunData, row: string, col: string, img: GalleryImageView, perCell: number): HTMLElement {
    const v = run.view;
    const score = img.clipScore !== undefined ? `CLIP score ${img.clipScore.toFixed(1)}` : undefined;
    const colLabel = columnLabel({ epoch: img.epoch, ...(img.step !== undefined ? { step: img.step } : {}) });
    const [epochPart, stepPart] = colLabel.split(' · ');
    const caption = `${v.label}, ${epochPart}, image ${img.index + 1}${perCell > 1 ? ` of ${perCell}` : ''}${stepPart ? `, ${stepPart}` : ''}${score ? ` (${score})` : ''}${img.prompt ? `: ${img.prompt}` : ''}`;
    // Never upscaled: a cell larger than the image shows the image at its own size.
    const width = Math.min(this.thumbSize, img.width ?? this.thumbSize);
    const src = this.thumbSize <= HOST_THUMB && img.thumbUri ? img.thumbUri : img.uri;
    const el = h('img', { src, alt: caption, loading: 'lazy', decoding: 'async' });
    el.style.width = `${width}px`;
    if (img.width && img.height) el.style.height = `${Math.round((width * img.height) / img.width)}px`;
    else
      el.addEventListener('load', () => {
        if (src === img.uri && el.naturalWidth > 0 && el.naturalWidth < width) el.style.width = `${el.naturalWidth}px`;
      });
    // The image's similarity to the prompt (100 × cosine), comparable across this run's images.
    const badge = score ? h('span', { class: 'clip-score', title: 'CLIP score: similarity of the image to the validation prompt' }, score) : undefined;
    const index = perCell > 1 ? h('span', { class: 'image-index', title: `Image ${img.index + 1} of this validation` }, `#${img.index + 1}`) : undefined;
    const btn = h(
      'button',
      {
        class: 'thumb',
        type: 'button',
        title: 'Open in the viewer',
        'aria-label': `Open ${caption}`,
        'data-epoch': String(img.epoch),
        'data-index': img.index,
      },
      el,
      index,
      badge,
    );
    btn.addEventListener('click', () => {
      const s = this.ui;
      if (!s || !this.focus) return;
      s.viewer = { runId: this.focus.view.id, row, col, index: img.index, zoom: 'fit' };
      this.viewer.open(s.viewer);
    });
    return btn;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The widest image the host told us of (0 when it told of none). A loop: a gallery can hold thousands. */
function largestWidth(images: readonly GalleryImageView[]): number {
  let w = 0;
  for (const i of images) if (i.width !== undefined && i.width > w) w = i.width;
  return w;
}
