// Preview Dataset webview entry: the check's overview (counts, histograms, folder-level findings), a paged gallery
// (the host sends one page of PAGE_SIZE images at a time, thumbnails as it makes them), a filter to problems or one
// code, and the selected image's findings and training crop drawn over it. Bundled to dist/webview/datasetPreview.js.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import './datasetPreview.css';
import {
  checkDatasetHostMessage,
  checkDatasetWebviewMessage,
  DATASET_PROTOCOL_VERSION,
  type CropView,
  type DatasetHostMessage,
  type DatasetImageView,
  type DatasetOverview,
  type DatasetWebviewMessage,
  type FindingView,
  type HistogramView,
} from '../../../src/shared/datasetProtocol';
import { checkbox, clear, h, singleSelect } from '../dom';
import { vscodeApi } from '../vscodeApi';
import { loadPreviewState, PAGE_SIZE, type PreviewState } from './state';

function post(message: DatasetWebviewMessage): void {
  const err = checkDatasetWebviewMessage(message);
  if (err) {
    console.error(`dataset preview: not sending invalid message: ${err}`);
    return;
  }
  vscodeApi().postMessage(message);
}

const ALL_CODES = '';

class DatasetPreview {
  private readonly api = vscodeApi();
  private readonly ui: PreviewState;
  private overview: DatasetOverview | undefined;
  private requestId = 0;
  private items: DatasetImageView[] = [];
  private total = 0;
  private readonly cards = new Map<number, HTMLElement>();
  private readonly thumbs = new Map<number, { uri?: string; error?: string }>();

  private readonly header = h('header', { class: 'overview', 'aria-live': 'polite' });
  private readonly toolbar = h('div', { class: 'toolbar' });
  private readonly grid = h('div', { class: 'grid', role: 'list', 'aria-label': 'Images' });
  private readonly detail = h('aside', { class: 'detail', 'aria-label': 'Selected image' });
  private readonly pager = h('div', { class: 'pager' });

  constructor(root: HTMLElement) {
    this.ui = loadPreviewState(this.api);
    clear(root);
    root.append(this.header, this.toolbar, h('div', { class: 'body' }, h('div', { class: 'gallery' }, this.grid, this.pager), this.detail));
    this.header.append(h('p', { class: 'muted' }, 'Checking the dataset…'));
  }

  private save(): void {
    this.api.setState(this.ui);
  }

  handle(m: DatasetHostMessage): void {
    switch (m.type) {
      case 'progress':
        this.setTarget(m.target);
        this.renderProgress(m.title, m.done, m.total);
        break;
      case 'init':
        this.overview = m.overview;
        this.setTarget(m.overview.target);
        if (this.ui.code !== undefined && !m.overview.codeCounts.some((c) => c.code === this.ui.code)) delete this.ui.code;
        this.save();
        this.renderOverview();
        this.renderToolbar();
        this.requestPage();
        if (this.ui.selected !== undefined) post({ type: 'selectImage', index: this.ui.selected, draw: this.ui.draw });
        else this.renderDetail(undefined);
        break;
      case 'page':
        if (m.requestId !== this.requestId) return;
        this.items = m.items;
        this.total = m.total;
        this.ui.offset = m.offset;
        this.save();
        this.renderGrid();
        break;
      case 'thumbs':
        for (const t of m.thumbs) {
          this.thumbs.set(t.index, t);
          const card = this.cards.get(t.index);
          if (card) this.fillThumb(card, t);
        }
        break;
      case 'crop':
        if (m.index === this.ui.selected && m.draw === this.ui.draw) this.renderDetail(m);
        break;
      case 'failed': {
        clear(this.header);
        const recheck = h('vscode-button', { secondary: true, class: 'recheck' }, 'Check again');
        recheck.addEventListener('click', () => post({ type: 'recheck' }));
        this.header.append(h('div', { class: 'banner banner-error', role: 'alert' }, h('p', {}, m.message), recheck));
        break;
      }
    }
  }

  /** Keeps the target (from the first message, so a reload during the check restores the panel too). */
  private setTarget(target: string): void {
    if (this.ui.target === target) return;
    if (this.ui.target !== undefined) {
      // Another dataset: the old page and selection mean nothing here.
      this.ui.offset = 0;
      delete this.ui.selected;
      delete this.ui.code;
      this.ui.draw = 0;
    }
    this.ui.target = target;
    this.save();
  }

  private requestPage(): void {
    this.requestId++;
    post({
      type: 'requestPage',
      requestId: this.requestId,
      offset: this.ui.offset,
      limit: PAGE_SIZE,
      filter: { problemsOnly: this.ui.problemsOnly, ...(this.ui.code !== undefined ? { code: this.ui.code } : {}) },
    });
  }

  private renderProgress(title: string, done: number, total: number): void {
    clear(this.header);
    const bar = h('progress', { max: Math.max(total, 1), value: done });
    this.header.append(
      h('h2', {}, `Dataset — ${title}`),
      h('p', { class: 'muted progress-text' }, total > 0 ? `Checking images: ${done} of ${total}…` : 'Checking the dataset…'),
      bar,
    );
  }

  private renderOverview(): void {
    const o = this.overview!;
    clear(this.header);
    const counts = [plural(o.errors, 'error'), plural(o.warnings, 'warning'), ...(o.infos > 0 ? [plural(o.infos, 'note')] : [])].join(', ');
    const recheck = h('vscode-button', { secondary: true, class: 'recheck' }, 'Check again');
    recheck.addEventListener('click', () => post({ type: 'recheck' }));
    this.header.append(
      h('div', { class: 'title-row' }, h('h2', {}, `Dataset — ${o.title}`), recheck),
      h(
        'p',
        { class: 'counts', 'data-errors': o.errors, 'data-warnings': o.warnings },
        `${plural(o.images, 'image')}; ${counts}. Resolution ${o.resolution}, ${o.centerCrop ? 'centre' : 'random'} crop${o.randomFlip ? ', random flip' : ''}.`,
      ),
      o.cancelled ? h('div', { class: 'banner banner-warning' }, 'The check was cancelled part way: the gallery shows the images checked until then.') : '',
      h('div', { class: 'histograms' }, histogram('Shorter side', o.resolutionHistogram), histogram('Aspect (w:h)', o.aspectHistogram)),
    );
    if (o.otherFindings.length > 0) {
      const list = h('ul', { class: 'findings' }, ...o.otherFindings.map((f) => findingItem(f)));
      const more = o.otherFindingsLeftOut > 0 ? h('p', { class: 'muted' }, `… and ${o.otherFindingsLeftOut} more in the Problems panel.`) : undefined;
      this.header.append(
        h(
          'details',
          { class: 'other-findings', open: o.otherFindings.length <= 5 },
          h('summary', {}, `Findings on the dataset itself (${o.otherFindings.length + o.otherFindingsLeftOut})`),
          list,
          more,
        ),
      );
    }
  }

  private renderToolbar(): void {
    const o = this.overview!;
    clear(this.toolbar);
    const problems = checkbox({ checked: this.ui.problemsOnly, label: 'Problems only', class: 'problems-only' });
    problems.addEventListener('change', () => {
      this.ui.problemsOnly = problems.checked;
      this.ui.offset = 0;
      this.save();
      this.requestPage();
    });
    const select = singleSelect({ class: 'code-filter', 'aria-label': 'Finding code' });
    select.append(h('vscode-option', { value: ALL_CODES, selected: this.ui.code === undefined || undefined }, 'Any finding'));
    for (const c of o.codeCounts)
      select.append(h('vscode-option', { value: c.code, selected: this.ui.code === c.code || undefined }, `${c.code} (${c.count})`));
    select.addEventListener('change', () => {
      if (select.value === ALL_CODES) delete this.ui.code;
      else this.ui.code = select.value;
      this.ui.offset = 0;
      this.save();
      this.requestPage();
    });
    this.toolbar.append(problems, h('label', { class: 'select-label' }, 'Code:'), select);
  }

  private renderGrid(): void {
    clear(this.grid);
    this.cards.clear();
    if (this.items.length === 0)
      this.grid.append(h('p', { class: 'empty' }, this.total === 0 && this.overview?.images === 0 ? 'No images.' : 'No image matches the filter.'));
    for (const item of this.items) {
      const worst = worstSeverity(item.findings);
      const card = h(
        'button',
        {
          class: `card${worst ? ` flagged ${worst}` : ''}${item.index === this.ui.selected ? ' selected' : ''}`,
          role: 'listitem',
          'data-index': item.index,
          'data-codes': item.findings.map((f) => f.code).join(' '),
          title: item.name,
        },
        h('div', { class: 'thumb' }, h('span', { class: 'muted' }, '…')),
        h('div', { class: 'name' }, item.name),
        h('div', { class: `caption${item.caption === null ? ' none' : ''}` }, item.caption ?? 'no caption'),
        item.findings.length > 0 ? h('div', { class: 'codes' }, ...item.findings.map((f) => h('span', { class: `code ${f.severity}` }, f.code))) : false,
      );
      card.addEventListener('click', () => this.select(item.index));
      this.cards.set(item.index, card);
      const t = this.thumbs.get(item.index);
      if (t) this.fillThumb(card, t);
      this.grid.append(card);
    }
    this.renderPager();
  }

  private fillThumb(card: HTMLElement, t: { uri?: string; error?: string }): void {
    const box = card.querySelector('.thumb');
    if (!box) return;
    clear(box);
    box.append(t.uri ? h('img', { src: t.uri, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb-error', title: t.error ?? '' }, 'cannot read'));
  }

  private renderPager(): void {
    clear(this.pager);
    const from = this.total === 0 ? 0 : this.ui.offset + 1;
    const to = Math.min(this.total, this.ui.offset + PAGE_SIZE);
    const prev = h('vscode-button', { secondary: true, disabled: this.ui.offset === 0, class: 'prev' }, '‹ Previous');
    const next = h('vscode-button', { secondary: true, disabled: to >= this.total, class: 'next' }, 'Next ›');
    prev.addEventListener('click', () => this.turn(-PAGE_SIZE));
    next.addEventListener('click', () => this.turn(PAGE_SIZE));
    this.pager.append(prev, h('span', { class: 'range' }, `${from}–${to} of ${this.total}`), next);
  }

  private turn(by: number): void {
    const offset = this.ui.offset + by;
    if (offset < 0 || offset >= this.total) return;
    this.ui.offset = offset;
    this.save();
    this.requestPage();
  }

  private select(index: number, draw = 0): void {
    this.ui.selected = index;
    this.ui.draw = draw;
    this.save();
    for (const [i, card] of this.cards) card.classList.toggle('selected', i === index);
    post({ type: 'selectImage', index, draw });
  }

  private renderDetail(m: Extract<DatasetHostMessage, { type: 'crop' }> | undefined): void {
    clear(this.detail);
    if (!m) {
      this.detail.append(h('p', { class: 'muted' }, 'Select an image to see its findings and its training crop.'));
      return;
    }
    const item = m.image ?? this.items.find((i) => i.index === m.index);
    const open = h('vscode-button', { secondary: true, class: 'open-image' }, 'Open image');
    open.addEventListener('click', () => post({ type: 'openImage', index: m.index }));
    this.detail.append(h('h3', {}, item?.name ?? `Image ${m.index + 1}`));
    if (item) {
      this.detail.append(
        h('p', { class: `caption${item.caption === null ? ' none' : ''}` }, item.caption ?? 'no caption'),
        h(
          'p',
          { class: 'muted' },
          [
            item.width && item.height ? `${item.width}×${item.height}` : 'size unknown',
            item.format,
            item.role,
            item.clipScore !== undefined ? `CLIP score ${item.clipScore.toFixed(1)} against its caption` : undefined,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      );
      if (item.findings.length > 0) this.detail.append(h('ul', { class: 'findings' }, ...item.findings.map((f) => findingItem(f))));
    }
    if (m.crop) this.detail.append(...this.cropView(m.crop, m.imageUri, m.index));
    if (m.error) this.detail.append(h('p', { class: 'crop-error' }, m.crop ? m.error : `No training crop: ${m.error}`));
    this.detail.append(h('div', { class: 'actions' }, open));
  }

  private cropView(c: CropView, uri: string | undefined, index: number): Node[] {
    const o = this.overview;
    // The frame has the resized image's aspect; the crop box is placed in percent of it, in the (possibly flipped) frame
    // the script crops in.
    const frame = h('div', { class: 'crop-frame' });
    frame.style.aspectRatio = `${c.resizedWidth} / ${c.resizedHeight}`;
    const img = uri
      ? h('img', { src: uri, alt: 'The image as the script resizes it', class: c.flipped ? 'flipped' : undefined })
      : h('div', { class: 'no-image' });
    const box = h('div', { class: 'crop-box', 'data-left': c.left, 'data-top': c.top, 'data-size': c.size });
    box.style.left = `${(100 * c.left) / c.resizedWidth}%`;
    box.style.top = `${(100 * c.top) / c.resizedHeight}%`;
    box.style.width = `${(100 * c.size) / c.resizedWidth}%`;
    box.style.height = `${(100 * c.size) / c.resizedHeight}%`;
    frame.append(img, box);
    const facts = h(
      'dl',
      { class: 'crop-facts' },
      h('dt', {}, 'original_size'),
      h('dd', { class: 'original-size' }, `(${c.originalSize[0]}, ${c.originalSize[1]})`),
      h('dt', {}, 'crops_coords_top_left'),
      h('dd', { class: 'crops-coords' }, `(${c.cropsCoordsTopLeft[0]}, ${c.cropsCoordsTopLeft[1]})`),
      h('dt', {}, 'resized'),
      h('dd', {}, `${c.resizedWidth}×${c.resizedHeight}, crop ${c.size}×${c.size}${c.flipped ? ', flipped' : ''}`),
      h('dt', {}, 'kept'),
      h('dd', {}, `${Math.round(c.keptFraction * 100)}% of the resized image`),
    );
    const nodes: Node[] = [h('h3', {}, 'Training crop'), frame, facts];
    if (o && (!o.centerCrop || o.randomFlip)) {
      const redraw = h('vscode-button', { secondary: true, class: 'redraw' }, 'Redraw');
      redraw.addEventListener('click', () => this.select(index, this.ui.draw + 1));
      const drawn = [!o.centerCrop && 'crop', o.randomFlip && 'flip'].filter(Boolean).join(' and ');
      nodes.push(h('p', { class: 'muted' }, `One random draw of the ${drawn}; every epoch draws anew.`), redraw);
    }
    return nodes;
  }
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : `${one}s`}`;
}

function worstSeverity(findings: FindingView[]): 'error' | 'warning' | 'info' | undefined {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return findings.length > 0 ? 'info' : undefined;
}

function findingItem(f: FindingView): HTMLElement {
  const where = f.file !== undefined ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ` : f.line !== undefined ? `line ${f.line}: ` : '';
  return h(
    'li',
    { class: `finding ${f.severity}`, 'data-code': f.code },
    h('span', { class: `code ${f.severity}` }, f.code),
    ` ${where}${f.message}`,
    f.fix ? h('div', { class: 'fix muted' }, f.fix) : false,
  );
}

function histogram(title: string, hist: HistogramView): HTMLElement {
  let max = 0;
  for (const c of hist.counts) if (c > max) max = c;
  const rows = hist.labels.map((label, i) => {
    const n = hist.counts[i] ?? 0;
    const bar = h('span', { class: 'bar' });
    bar.style.width = max > 0 ? `${(100 * n) / max}%` : '0';
    return h(
      'div',
      { class: 'hist-row' },
      h('span', { class: 'hist-label' }, label),
      h('span', { class: 'bar-track' }, bar),
      h('span', { class: 'hist-count' }, String(n)),
    );
  });
  return h('section', { class: 'histogram', 'aria-label': title }, h('h3', {}, title), ...rows);
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
  const preview = new DatasetPreview(root);
  window.addEventListener('message', (event: MessageEvent) => {
    const err = checkDatasetHostMessage(event.data);
    if (err) {
      console.warn(`dataset preview: ignored invalid message: ${err}`);
      return;
    }
    try {
      preview.handle(event.data as DatasetHostMessage);
    } catch (e) {
      console.error('dataset preview: failed to apply message', e);
    }
  });
  post({ type: 'ready', protocol: DATASET_PROTOCOL_VERSION });
}

start();
