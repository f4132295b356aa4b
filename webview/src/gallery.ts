// The validation gallery: one row per epoch (and the final `test` images), the prompt above, click or Enter to
// enlarge in a dialog, and an optional side-by-side comparison of two epochs.
import type { GalleryImageView } from '../../src/shared/dashboardProtocol';
import { h, checkbox, clear, singleSelect } from './dom';
import type { RunData } from './store';
import { epochNumber } from '../../src/shared/epochs';
import type { UiState } from './state';
import { post } from './vscodeApi';

type EpochKey = number | 'test';
const keyOf = (e: EpochKey): string => String(e);
const epochLabel = (e: EpochKey): string => (e === 'test' ? 'Final (test)' : `Epoch ${epochNumber(e)}`);

export class Gallery {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly dialog: HTMLDialogElement;
  private readonly dialogImg: HTMLImageElement;
  private readonly dialogCaption: HTMLElement;
  private signature = '';
  private current: { runId: string; uri: string } | undefined;

  constructor(private readonly onChange: () => void) {
    this.body = h('div', { class: 'gallery-body' });
    this.dialogImg = h('img', { class: 'dialog-image', alt: '' });
    this.dialogCaption = h('p', { class: 'dialog-caption', id: 'gallery-dialog-caption' });
    const close = h('vscode-button', { secondary: true, 'aria-label': 'Close image' }, 'Close');
    const open = h('vscode-button', { secondary: true, 'aria-label': 'Open the image in an editor tab' }, 'Open in editor');
    open.addEventListener('click', () => {
      if (this.current) post({ type: 'openImage', ...this.current });
    });
    this.dialog = h(
      'dialog',
      { class: 'image-dialog', 'aria-labelledby': 'gallery-dialog-caption' },
      this.dialogCaption,
      this.dialogImg,
      h('div', { class: 'dialog-actions' }, open, close),
    ) as HTMLDialogElement;
    close.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('click', (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    this.el = h(
      'section',
      { class: 'gallery', 'aria-labelledby': 'gallery-title' },
      h('h3', { id: 'gallery-title' }, 'Validation images'),
      this.body,
      this.dialog,
    );
  }

  update(run: RunData | undefined, ui: UiState): void {
    const sig = run
      ? `${run.view.id}|${run.view.gallery.map((g) => `${g.epoch}/${g.index}/${g.uri}/${g.clipScore ?? ''}`).join(',')}|${JSON.stringify(ui.compare)}`
      : '';
    if (sig === this.signature) return;
    this.signature = sig;
    clear(this.body);
    if (!run || run.view.gallery.length === 0) {
      this.body.append(h('p', { class: 'empty' }, 'No validation images yet. They appear after each validation epoch.'));
      return;
    }
    const byEpoch = new Map<string, { epoch: EpochKey; images: GalleryImageView[] }>();
    for (const g of run.view.gallery) {
      const k = keyOf(g.epoch);
      if (!byEpoch.has(k)) byEpoch.set(k, { epoch: g.epoch, images: [] });
      byEpoch.get(k)!.images.push(g);
    }
    const epochs = [...byEpoch.values()].sort((a, b) => order(a.epoch) - order(b.epoch));
    for (const e of epochs) e.images.sort((a, b) => a.index - b.index);
    const prompt = run.view.validationPrompt ?? run.view.gallery.find((g) => g.prompt)?.prompt;
    if (prompt) this.body.append(h('p', { class: 'prompt' }, h('strong', {}, 'Prompt: '), prompt));

    this.body.append(
      this.compareControls(
        epochs.map((e) => e.epoch),
        ui,
      ),
    );
    const shown = ui.compare.on ? [ui.compare.a, ui.compare.b].map((k) => epochs.find((e) => keyOf(e.epoch) === k)).filter((e) => e !== undefined) : epochs;
    const grid = h('div', { class: ui.compare.on ? 'gallery-grid compare' : 'gallery-grid', role: 'list', 'aria-label': 'Validation images by epoch' });
    for (const e of shown) {
      const row = h('div', { class: 'gallery-row', role: 'listitem', 'data-epoch': keyOf(e.epoch) });
      const step = e.images.find((i) => i.step !== undefined)?.step;
      row.append(
        h('div', { class: 'gallery-row-label' }, epochLabel(e.epoch), step !== undefined ? h('span', { class: 'muted' }, ` · step ${step}`) : undefined),
      );
      const imgs = h('div', { class: 'gallery-images' });
      for (const img of e.images) imgs.append(this.thumb(img, run.view.id, run.view.label));
      row.append(imgs);
      grid.append(row);
    }
    this.body.append(grid);
  }

  private compareControls(epochs: EpochKey[], ui: UiState): HTMLElement {
    const toggle = checkbox({ label: 'Compare two epochs side by side', checked: ui.compare.on || undefined });
    toggle.addEventListener('change', () => {
      ui.compare.on = toggle.checked;
      if (ui.compare.on) {
        ui.compare.a ??= keyOf(epochs[0]!);
        ui.compare.b ??= keyOf(epochs[epochs.length - 1]!);
      }
      this.onChange();
    });
    const wrap = h('div', { class: 'toolbar' }, toggle);
    if (ui.compare.on) {
      for (const side of ['a', 'b'] as const) {
        const select = singleSelect({ 'aria-label': side === 'a' ? 'First epoch to compare' : 'Second epoch to compare' });
        for (const e of epochs) {
          select.append(h('vscode-option', { value: keyOf(e), selected: keyOf(e) === ui.compare[side] || undefined }, epochLabel(e)));
        }
        select.addEventListener('change', () => {
          ui.compare[side] = select.value;
          this.onChange();
        });
        wrap.append(h('label', { class: 'select-label' }, side === 'a' ? 'Left:' : 'Right:'), select);
      }
    }
    return wrap;
  }

  private thumb(img: GalleryImageView, runId: string, runLabel: string): HTMLElement {
    const score = img.clipScore !== undefined ? `CLIP score ${img.clipScore.toFixed(1)}` : undefined;
    const caption = `${runLabel}, ${epochLabel(img.epoch)}, image ${img.index + 1}${score ? ` (${score})` : ''}${img.prompt ? `: ${img.prompt}` : ''}`;
    const el = h('img', { src: img.thumbUri ?? img.uri, alt: caption, loading: 'lazy', decoding: 'async' });
    // The image's similarity to the prompt (100 × cosine), comparable across this run's images.
    const badge = score ? h('span', { class: 'clip-score', title: 'CLIP score: similarity of the image to the validation prompt' }, score) : undefined;
    const btn = h('button', { class: 'thumb', type: 'button', title: 'Enlarge', 'aria-label': `Enlarge ${caption}` }, el, badge);
    btn.addEventListener('click', () => {
      this.current = { runId, uri: img.uri };
      this.dialogImg.src = img.uri;
      this.dialogImg.alt = caption;
      this.dialogCaption.textContent = caption;
      this.dialog.showModal();
    });
    return btn;
  }
}

function order(e: EpochKey): number {
  return e === 'test' ? Number.MAX_SAFE_INTEGER : e;
}
