// Dashboard webview entry: builds the page, validates every message from the host, keeps the run store and UI state,
// and redraws at most once per animation frame. Bundled to dist/webview/dashboard.js (+ dashboard.css).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { checkHostMessage, DASHBOARD_PROTOCOL_VERSION, STEP_CHARTS, type HostMessage } from '../../src/shared/dashboardProtocol';
import { h, checkbox, clear, singleSelect } from './dom';
import { Gallery } from './gallery';
import { GpuChart } from './gpuChart';
import { renderBanners, renderCheckpoints, renderRunLabels, renderRunList, renderStatus } from './panels';
import { renderRanks } from './ranks';
import { assignRunColours } from './runColours';
import { loadUiState, saveUiState, X_AXIS_MODES, type UiState, type XAxisMode } from './state';
import { StepChart } from './stepChart';
import { RunStore, type RunData } from './store';
import { readTheme, watchTheme, type ChartTheme } from './theme';
import { post, vscodeApi } from './vscodeApi';
import type { SpeedUnit } from '../../src/shared/speed';

class Dashboard {
  private readonly store = new RunStore();
  private readonly api = vscodeApi();
  private readonly ui: UiState;
  private readonly restored: boolean;
  private theme: ChartTheme;
  /** The `sdxl.speedUnit` setting, from `init` and `speedUnit`. */
  private speedUnit: SpeedUnit = 'auto';
  private frame = 0;
  private runListSig = '';
  private readonly requested = new Set<string>();
  /** The selection last reported to the host with `shownRuns` (it names the panel after it), as JSON. */
  private reportedSelection: string | undefined;

  private readonly banners = h('div', { class: 'banners' });
  private readonly runList = h('aside', { class: 'runs-panel', 'aria-label': 'Runs' });
  private readonly status = h('section', { class: 'status-panel', 'aria-label': 'Progress' });
  private readonly runLabels = h('header', { class: 'run-labels' });
  private readonly ranks = h('section', { class: 'ranks-panel', 'aria-label': 'Ranks', hidden: true });
  private readonly checkpoints = h('section', { class: 'checkpoints-panel' });
  private readonly galleryRunSelect = h('div', { class: 'toolbar gallery-run' });
  private readonly charts: StepChart[];
  private readonly gpu = new GpuChart();
  private readonly gallery: Gallery;

  constructor(root: HTMLElement) {
    this.restored = this.api.getState() != null;
    this.ui = loadUiState(this.api);
    this.theme = readTheme();
    const onZoom = (id: string, r: [number, number] | undefined) => {
      if (r) this.ui.zoom[id] = r;
      else delete this.ui.zoom[id];
      this.save();
    };
    this.charts = STEP_CHARTS.map((spec) => new StepChart(spec, onZoom));
    this.gallery = new Gallery(() => {
      this.save();
      this.schedule();
    });
    this.build(root);
    // The elapsed time of a running run ticks between the host's updates (the status panel alone is redrawn).
    setInterval(() => {
      if (this.focusRun()?.view.status.outcome === 'running') this.renderStatusPanel();
    }, 1000);
    watchTheme(() => {
      this.theme = readTheme();
      for (const c of this.charts) c.invalidate();
      this.schedule();
    });
  }

  private build(root: HTMLElement): void {
    clear(root);
    const tabs = h(
      'vscode-tabs',
      { 'selected-index': this.ui.tab, 'aria-label': 'Dashboard sections' },
      h('vscode-tab-header', { slot: 'header' }, 'Training'),
      h('vscode-tab-panel', {}, this.chartToolbar(), ...this.charts.map((c) => c.el)),
      h('vscode-tab-header', { slot: 'header' }, 'Validation'),
      h('vscode-tab-panel', {}, this.galleryRunSelect, this.gallery.el),
      h('vscode-tab-header', { slot: 'header' }, 'GPU & checkpoints'),
      h('vscode-tab-panel', {}, this.gpu.el, this.checkpoints),
    );
    tabs.addEventListener('vsc-tabs-select', (e) => {
      this.ui.tab = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      this.save();
      this.schedule();
    });
    root.append(this.banners, this.runLabels, h('div', { class: 'top' }, this.runList, this.status), this.ranks, tabs);
  }

  private chartToolbar(): HTMLElement {
    const slider = h('input', {
      type: 'range',
      min: 0,
      max: 0.99,
      step: 0.01,
      value: this.ui.smoothing,
      id: 'smoothing',
      'aria-label': 'Loss smoothing weight',
      'aria-valuetext': String(this.ui.smoothing),
    });
    const out = h('output', { for: 'smoothing', class: 'smoothing-value' }, this.ui.smoothing.toFixed(2));
    slider.addEventListener('input', () => {
      this.ui.smoothing = Math.min(0.99, Math.max(0, Number(slider.value)));
      out.textContent = this.ui.smoothing.toFixed(2);
      slider.setAttribute('aria-valuetext', out.textContent);
      this.schedule();
    });
    slider.addEventListener('change', () => {
      this.save();
      post({ type: 'setSmoothing', weight: this.ui.smoothing });
    });
    const check = (label: string, key: 'logScale' | 'clipOutliers', hint: string) => {
      const box = checkbox({ label, checked: this.ui[key] || undefined, title: hint, 'data-option': key });
      box.addEventListener('change', () => {
        this.ui[key] = box.checked;
        this.save();
        this.schedule();
      });
      return box;
    };
    const xAxis = singleSelect({ 'aria-label': 'X axis of the charts', 'data-option': 'xAxis' });
    const names: Record<XAxisMode, string> = { step: 'Step', relative: 'Relative time', wall: 'Wall time' };
    for (const m of X_AXIS_MODES) xAxis.append(h('vscode-option', { value: m, selected: m === this.ui.xAxis || undefined }, names[m]));
    xAxis.addEventListener('change', () => {
      const m = X_AXIS_MODES.find((x) => x === xAxis.value);
      if (!m || m === this.ui.xAxis) return;
      this.ui.xAxis = m;
      this.save();
      this.schedule();
    });
    const epochBox = checkbox({
      label: 'Epoch average',
      checked: this.ui.epochAverage || undefined,
      title: 'The mean loss of each epoch, at its last step',
      'data-option': 'epochAverage',
    });
    epochBox.addEventListener('change', () => {
      this.ui.epochAverage = epochBox.checked;
      this.save();
      this.schedule();
    });
    const reset = h('vscode-button', { secondary: true, 'aria-label': 'Reset zoom of all charts' }, 'Reset zoom');
    reset.addEventListener('click', () => {
      this.ui.zoom = {};
      this.save();
      this.schedule();
    });
    return h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart options' },
      h('label', { for: 'smoothing' }, 'Smoothing'),
      slider,
      out,
      check('Log scale', 'logScale', 'Logarithmic loss axis'),
      check('Clip outliers', 'clipOutliers', 'Fit the loss axis to the 1st–99th percentile so spikes do not flatten the curve'),
      epochBox,
      h('label', { class: 'select-label' }, 'X axis:'),
      xAxis,
      reset,
    );
  }

  handle(msg: HostMessage): void {
    switch (msg.type) {
      case 'init': {
        this.store.reset();
        this.requested.clear();
        for (const r of msg.runs) this.store.setRun(r);
        if (!this.restored && msg.smoothing !== undefined) this.ui.smoothing = msg.smoothing;
        if (msg.speedUnit) this.speedUnit = msg.speedUnit;
        const ids = new Set(msg.runs.map((r) => r.id));
        this.ui.selectedRunIds = this.ui.selectedRunIds.filter((id) => ids.has(id));
        const focus = msg.focusRunId && ids.has(msg.focusRunId) ? msg.focusRunId : msg.runs[0]?.id;
        if (this.ui.selectedRunIds.length === 0 && focus) this.ui.selectedRunIds = [focus];
        for (const id of this.ui.selectedRunIds) this.ensureLoaded(id);
        this.save();
        break;
      }
      case 'delta':
        if (!this.store.applyDelta(msg)) console.warn(`dashboard: delta for unknown run ${msg.runId} ignored`);
        break;
      case 'reset':
        this.store.reset(msg.runId);
        if (msg.runId) this.requested.delete(msg.runId);
        else this.requested.clear();
        break;
      case 'runData':
        this.store.setRun(msg.run);
        break;
      case 'select': {
        const known = msg.runIds.filter((id) => this.store.runs.has(id));
        if (known.length > 0) {
          this.ui.selectedRunIds = known;
          for (const id of known) this.ensureLoaded(id);
          this.save();
        }
        break;
      }
      case 'theme':
        break; // VS Code already swaps the body classes and variables; watchTheme redraws.
      case 'speedUnit':
        this.speedUnit = msg.unit;
        break;
    }
    this.schedule();
  }

  private ensureLoaded(id: string): void {
    const r = this.store.runs.get(id);
    if (r && !r.view.loaded && !this.requested.has(id)) {
      this.requested.add(id);
      post({ type: 'requestRun', runId: id });
    }
  }

  /** Keeps the UI state; every change of the selection goes through here, so the host hears of each one. */
  private save(): void {
    saveUiState(this.api, this.ui);
    const selection = JSON.stringify(this.ui.selectedRunIds);
    if (selection !== this.reportedSelection) {
      this.reportedSelection = selection;
      post({ type: 'shownRuns', runIds: [...this.ui.selectedRunIds] });
    }
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private selectedRuns(): RunData[] {
    return this.ui.selectedRunIds.map((id) => this.store.runs.get(id)).filter((r): r is RunData => r !== undefined);
  }

  private focusRun(): RunData | undefined {
    const sel = this.selectedRuns();
    return sel.find((r) => r.view.id === this.ui.galleryRunId) ?? sel[0];
  }

  render(): void {
    const all = [...this.store.runs.values()];
    // Fixed per run, not by position: a run arriving or going does not recolour the others.
    const colours = assignRunColours(
      all.map((r) => r.view.id),
      this.ui.runColours,
    );
    if (JSON.stringify(colours) !== JSON.stringify(this.ui.runColours)) {
      this.ui.runColours = colours;
      this.save();
    }
    const colour = new Map(Object.entries(colours));
    const sig = JSON.stringify([
      all.map((r) => [r.view.id, r.view.label, r.view.status.outcome, r.view.loaded, r.view.simulated, r.view.tags]),
      this.ui.selectedRunIds,
      this.theme.palette,
      colours,
      this.ui.runListCollapsed,
    ]);
    if (sig !== this.runListSig) {
      this.runListSig = sig;
      const focused = (document.activeElement as HTMLElement | null)?.dataset?.run;
      renderRunList(
        this.runList,
        all,
        this.ui.selectedRunIds,
        this.theme.palette,
        (id, on) => {
          const sel = this.ui.selectedRunIds.filter((x) => x !== id);
          this.ui.selectedRunIds = on ? [...sel, id] : sel;
          if (on) this.ensureLoaded(id);
          this.save();
          this.schedule();
        },
        {
          colours,
          collapsed: this.ui.runListCollapsed,
          onCollapse: (collapsed) => {
            this.ui.runListCollapsed = collapsed;
            this.save();
            this.schedule();
          },
        },
      );
      if (focused) (this.runList.querySelector(`[data-run="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
    }
    const selected = this.selectedRuns().map((data) => ({ data, colorIndex: colour.get(data.view.id) ?? 0 }));
    for (const c of this.charts) c.update(selected, this.ui, this.theme);
    const focus = this.focusRun();
    renderBanners(this.banners, focus);
    renderRunLabels(this.runLabels, focus);
    renderRanks(this.ranks, focus?.view.ranks);
    this.renderStatusPanel();
    renderCheckpoints(this.checkpoints, focus);
    this.renderGalleryRunSelect();
    this.gallery.update(focus, this.ui, this.selectedRuns());
    this.gpu.update(focus?.view.gpu ?? [], this.theme, focus?.view.status.device, this.ui.xAxis, focus);
  }

  private renderStatusPanel(): void {
    renderStatus(this.status, this.focusRun(), { unit: this.speedUnit, several: this.selectedRuns().length > 1 });
  }

  private renderGalleryRunSelect(): void {
    const sel = this.selectedRuns();
    const sig = sel.map((r) => r.view.id).join('|') + '#' + (this.focusRun()?.view.id ?? '');
    if (this.galleryRunSelect.dataset.sig === sig) return;
    this.galleryRunSelect.dataset.sig = sig;
    clear(this.galleryRunSelect);
    if (sel.length < 2) return;
    const select = singleSelect({ 'aria-label': 'Run whose images, GPU and checkpoints are shown' });
    const focusId = this.focusRun()?.view.id;
    for (const r of sel) select.append(h('vscode-option', { value: r.view.id, selected: r.view.id === focusId || undefined }, r.view.label));
    select.addEventListener('change', () => {
      this.ui.galleryRunId = select.value;
      this.save();
      this.schedule();
    });
    this.galleryRunSelect.append(h('label', { class: 'select-label' }, 'Run:'), select);
  }
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
  const dashboard = new Dashboard(root);
  window.addEventListener('message', (event: MessageEvent) => {
    const err = checkHostMessage(event.data);
    if (err) {
      console.warn(`dashboard: ignored invalid message: ${err}`);
      return;
    }
    try {
      dashboard.handle(event.data as HostMessage);
    } catch (e) {
      // A bug in one view must not take the whole panel down; the next message may well render fine.
      console.error('dashboard: failed to apply message', e);
    }
  });
  post({ type: 'ready', protocol: DASHBOARD_PROTOCOL_VERSION });
}

start();
