// The samples viewer: one validation image (or two side by side: two steps of a prompt, or two runs at one step) in a
// modal dialog, fitted to the window, zoomed with the wheel or buttons, or at 1:1. Never smaller than its thumbnail in
// the grid. Keys: ←/→ step, ↑/↓ prompt, Shift+←/→ image of the same validation, +/− zoom, 0 fit, 1 actual pixels, Esc.
// Its state is UiState.samples.viewer, so an open viewer comes back after a reload.
import type { GalleryImageView } from '../../src/shared/dashboardProtocol';
import { h, clear } from './dom';
import { cellKey, columnLabel, imageAt, imageMove, promptMove, sameStepColumn, stepMove, type SampleGrid, type SampleRef } from './samplesModel';
import type { ViewerUi } from './state';
import { post } from './vscodeApi';

export interface ViewerRun {
  id: string;
  label: string;
  grid: SampleGrid;
}

export interface ViewerSource {
  /** The selected runs with their grids (the viewer's own run among them). */
  runs(): ViewerRun[];
  /** The CSS width an image is shown at in the grid: the viewer never shows it smaller. */
  thumbWidth(img: GalleryImageView): number;
}

const ZOOM_STEP = 1.25;
const MAX_SCALE = 32;

interface Pane {
  run: ViewerRun;
  ref: SampleRef;
  img: GalleryImageView;
}

export class Viewer {
  readonly dialog: HTMLDialogElement;
  private readonly caption = h('p', { class: 'dialog-caption', id: 'viewer-caption' });
  private readonly stages = h('div', { class: 'viewer-stages' });
  private readonly compareSelect = h('select', { class: 'viewer-compare', 'aria-label': 'Compare side by side with' });
  private readonly fitBtn: HTMLElement;
  private state: ViewerUi | undefined;
  private signature = '';

  constructor(
    private readonly source: ViewerSource,
    /** Called with the new state (undefined when closed) to save it. */
    private readonly onState: (s: ViewerUi | undefined) => void,
  ) {
    const button = (label: string, aria: string, action: string, run: () => void) => {
      const b = h('vscode-button', { secondary: true, 'aria-label': aria, 'data-action': action }, label);
      b.addEventListener('click', run);
      return b;
    };
    this.fitBtn = button('Fit', 'Fit to window', 'fit', () => this.setZoom('fit'));
    const save = button('Save image as…', 'Save this image as a file', 'save', () => this.save());
    const open = button('Open in editor', 'Open the image in an editor tab', 'open', () => {
      const p = this.panes()[0];
      if (p) post({ type: 'openImage', runId: p.run.id, uri: p.img.uri });
    });
    const close = button('Close', 'Close the viewer', 'close', () => this.dialog.close());
    this.compareSelect.addEventListener('change', () => {
      if (!this.state) return;
      const [kind, ...rest] = this.compareSelect.value.split(':');
      const key = rest.join(':');
      if (kind === 'step') this.state.compare = { kind: 'step', col: key };
      else if (kind === 'run') this.state.compare = { kind: 'run', runId: key };
      else delete this.state.compare;
      this.changed();
    });
    const tools = h(
      'div',
      { class: 'viewer-tools', role: 'toolbar', 'aria-label': 'Viewer' },
      this.fitBtn,
      button('−', 'Zoom out', 'zoom-out', () => this.zoomBy(1 / ZOOM_STEP)),
      button('+', 'Zoom in', 'zoom-in', () => this.zoomBy(ZOOM_STEP)),
      button('1:1', 'Actual pixels', 'actual', () => this.setZoom(1)),
      h('label', { class: 'select-label' }, 'Side by side:'),
      this.compareSelect,
      save,
      open,
      close,
    );
    const help = h('p', { class: 'muted viewer-help' }, '←/→ step · ↑/↓ prompt · Shift+←/→ image · +/− zoom · 0 fit · 1 actual pixels · Esc close');
    this.dialog = h(
      'dialog',
      { class: 'image-dialog viewer', 'aria-labelledby': 'viewer-caption' },
      this.caption,
      tools,
      this.stages,
      help,
    ) as HTMLDialogElement;
    this.dialog.addEventListener('close', () => {
      this.state = undefined;
      this.signature = '';
      clear(this.stages);
      this.onState(undefined);
    });
    this.dialog.addEventListener('keydown', (e) => this.onKey(e));
    this.stages.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.zoomBy(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP);
      },
      { passive: false },
    );
    new ResizeObserver(() => this.layout()).observe(this.stages);
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  open(s: ViewerUi): void {
    this.state = s;
    this.signature = '';
    if (!this.dialog.open) this.dialog.showModal();
    this.changed();
  }

  /** Whether the image a (restored) state names is in the data yet: the run's data may come after `init`. */
  canShow(s: ViewerUi): boolean {
    const run = this.source.runs().find((r) => r.id === s.runId);
    return run !== undefined && imageAt(run.grid, s) !== undefined;
  }

  /** Redraws after new data (a delta); an image gone for a moment (a run's data being resent) stays shown until back. */
  refresh(): void {
    if (this.state && this.dialog.open) this.render();
  }

  private changed(): void {
    if (!this.state) return;
    this.onState(this.state);
    this.render();
  }

  private panes(): Pane[] {
    const s = this.state;
    if (!s) return [];
    const runs = this.source.runs();
    const run = runs.find((r) => r.id === s.runId);
    const img = run && imageAt(run.grid, s);
    if (!run || !img) return [];
    const main: Pane = { run, ref: { row: s.row, col: s.col, index: img.index }, img };
    const c = s.compare;
    if (c?.kind === 'step') {
      const other = imageAt(run.grid, { row: s.row, col: c.col, index: img.index });
      if (other)
        return [{ run, ref: { row: s.row, col: c.col, index: other.index }, img: other }, main].sort(
          (a, b) => colOrder(run.grid, a.ref.col) - colOrder(run.grid, b.ref.col),
        );
    } else if (c?.kind === 'run') {
      const otherRun = runs.find((r) => r.id === c.runId);
      const col = otherRun && sameStepColumn(otherRun.grid, run.grid.columns.find((x) => x.key === s.col) ?? { key: s.col, epoch: 'test' });
      const other = otherRun && col && imageAt(otherRun.grid, { row: s.row, col: col.key, index: img.index });
      if (otherRun && col && other) return [main, { run: otherRun, ref: { row: s.row, col: col.key, index: other.index }, img: other }];
    }
    return [main];
  }

  private render(): void {
    const s = this.state;
    const panes = this.panes();
    const main = panes.find((p) => p.run.id === s?.runId && p.ref.col === s.col);
    if (!s || !main) return;
    const sig = JSON.stringify([s.compare, panes.map((p) => [p.run.id, p.ref, p.img.uri])]);
    if (sig !== this.signature) {
      this.signature = sig;
      const row = main.run.grid.rows.find((r) => r.key === s.row);
      this.caption.textContent = `${main.run.label} · ${row?.label ?? ''} · ${describe(main.run.grid, main.ref, main.img)}`;
      this.renderCompareOptions(main);
      clear(this.stages);
      this.stages.classList.toggle('two', panes.length > 1);
      for (const p of panes) {
        const img = h('img', { class: 'viewer-image', src: p.img.uri, alt: `${p.run.label}, ${describe(p.run.grid, p.ref, p.img)}`, draggable: 'false' });
        img.addEventListener('load', () => this.layout());
        const stage = h('div', { class: 'viewer-stage', 'data-run': p.run.id, 'data-col': p.ref.col, 'data-index': p.ref.index }, img);
        this.stages.append(
          h('figure', { class: 'viewer-pane' }, h('figcaption', {}, panes.length > 1 ? `${p.run.label} · ${describe(p.run.grid, p.ref, p.img)}` : ''), stage),
        );
      }
    }
    this.layout();
  }

  private renderCompareOptions(main: Pane): void {
    const s = this.state!;
    clear(this.compareSelect);
    const current = s.compare ? (s.compare.kind === 'step' ? `step:${s.compare.col}` : `run:${s.compare.runId}`) : '';
    const option = (value: string, text: string) => h('option', { value, selected: value === current || undefined }, text);
    this.compareSelect.append(option('', 'None'));
    for (const c of main.run.grid.columns) {
      if (c.key !== s.col && main.run.grid.cells.has(cellKey(s.row, c.key))) this.compareSelect.append(option(`step:${c.key}`, `This run, ${columnLabel(c)}`));
    }
    const col = main.run.grid.columns.find((c) => c.key === s.col);
    for (const r of this.source.runs()) {
      if (r.id === main.run.id || !col) continue;
      const at = sameStepColumn(r.grid, col);
      if (at && imageAt(r.grid, { row: s.row, col: at.key, index: main.ref.index }))
        this.compareSelect.append(option(`run:${r.id}`, `${r.label}, ${columnLabel(at)}`));
    }
    this.compareSelect.value = current;
  }

  /** Sizes each image for the zoom: fit = the stage, else the scale; never below the thumbnail's width in the grid. */
  private layout(): void {
    const s = this.state;
    if (!s) return;
    this.fitBtn.setAttribute('aria-pressed', String(s.zoom === 'fit'));
    for (const stage of this.stages.querySelectorAll<HTMLElement>('.viewer-stage')) {
      const img = stage.querySelector('img')!;
      const pane = this.paneOf(stage);
      const w = img.naturalWidth || pane?.img.width || 0;
      const hgt = img.naturalHeight || pane?.img.height || 0;
      if (!w || !hgt || !pane) continue;
      const min = Math.min(1, this.source.thumbWidth(pane.img) / w);
      const fit = Math.min((stage.clientWidth - 4) / w, (stage.clientHeight - 4) / hgt);
      const scale = Math.max(min, s.zoom === 'fit' ? fit : s.zoom);
      img.style.width = `${Math.round(w * scale)}px`;
      img.style.height = `${Math.round(hgt * scale)}px`;
      img.dataset.scale = scale.toFixed(4);
      img.classList.toggle('pixelated', scale > 1);
    }
  }

  private paneOf(stage: HTMLElement): Pane | undefined {
    return this.panes().find((p) => p.run.id === stage.dataset.run && p.ref.col === stage.dataset.col && String(p.ref.index) === stage.dataset.index);
  }

  /** The scale shown now (of the main image), so zooming from fit starts where the eye is. */
  private currentScale(): number {
    const stage = [...this.stages.querySelectorAll<HTMLElement>('.viewer-stage')].find(
      (el) => el.dataset.run === this.state?.runId && el.dataset.col === this.state?.col,
    );
    return Number(stage?.querySelector('img')?.dataset.scale) || 1;
  }

  private zoomBy(f: number): void {
    if (!this.state) return;
    this.setZoom(Math.min(MAX_SCALE, Math.max(1 / 64, this.currentScale() * f)));
  }

  private setZoom(z: 'fit' | number): void {
    if (!this.state) return;
    this.state.zoom = z;
    this.changed();
  }

  private move(to: SampleRef | undefined): void {
    if (!this.state || !to) return;
    Object.assign(this.state, { row: to.row, col: to.col, index: to.index });
    // A side-by-side step pick that is now the image itself would show it twice.
    if (this.state.compare?.kind === 'step' && this.state.compare.col === to.col) delete this.state.compare;
    this.changed();
  }

  private onKey(e: KeyboardEvent): void {
    if ((e.target as HTMLElement | null)?.tagName === 'SELECT') return;
    const s = this.state;
    const run = s && this.source.runs().find((r) => r.id === s.runId);
    if (!s || !run) return;
    const grid = run.grid;
    const handled = (): void => e.preventDefault();
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowRight': {
        const dir = e.key === 'ArrowLeft' ? -1 : 1;
        this.move(e.shiftKey ? imageMove(grid, s, dir) : stepMove(grid, s, dir));
        return handled();
      }
      case 'ArrowUp':
      case 'ArrowDown':
        this.move(promptMove(grid, s, e.key === 'ArrowUp' ? -1 : 1));
        return handled();
      case '+':
      case '=':
        this.zoomBy(ZOOM_STEP);
        return handled();
      case '-':
        this.zoomBy(1 / ZOOM_STEP);
        return handled();
      case '0':
        this.setZoom('fit');
        return handled();
      case '1':
        this.setZoom(1);
        return handled();
    }
  }

  private save(): void {
    const p = this.panes().find((x) => x.run.id === this.state?.runId && x.ref.col === this.state?.col);
    if (p) post({ type: 'saveImage', runId: p.run.id, epoch: p.img.epoch, index: p.img.index });
  }
}

function colOrder(grid: SampleGrid, col: string): number {
  return grid.columns.findIndex((c) => c.key === col);
}

function describe(grid: SampleGrid, ref: SampleRef, img: GalleryImageView): string {
  const col = grid.columns.find((c) => c.key === ref.col);
  const n = grid.cells.get(cellKey(ref.row, ref.col))?.length ?? 1;
  const score = img.clipScore !== undefined ? ` · CLIP score ${img.clipScore.toFixed(1)}` : '';
  return `${col ? columnLabel(col) : ''} · image ${img.index + 1}${n > 1 ? ` of ${n}` : ''}${score}`;
}
