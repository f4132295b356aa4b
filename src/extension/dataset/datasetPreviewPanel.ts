// "SDXL: Preview Dataset": the webview host of the dataset gallery (webview/src/datasetPreview/), through the typed
// protocol in src/shared/datasetProtocol.ts (ready handshake, pages on request, every message validated). The webview
// sees only thumbnails the host made into a cache under the extension's storage (core/view/datasetThumbs.ts): its
// localResourceRoots are the bundle and that cache, never the dataset's folders. It names images by their index in
// the host's report, never by path. A serializer brings the panel back after a reload (the webview keeps the target).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { dashboardHtml } from '../../shared/dashboardHtml';
import { checkDatasetWebviewMessage, type DatasetHostMessage, type DatasetWebviewMessage } from '../../shared/datasetProtocol';
import { trainingCrop } from '../../core/dataset/trainingCrop';
import { DatasetGallery } from '../../core/view/datasetGallery';
import { DatasetThumbs, PREVIEW_SIDE, THUMB_SIDE } from '../../core/view/datasetThumbs';
import { seededRandom } from '../../core/view/seededRandom';
import { makeNonce } from '../webviewUtil';
import type { Log } from '../listenerErrors';
import type { CheckedDataset, DatasetChecks } from './datasetChecks';
import { pickDatasetTarget, targetKey, targetOfPath, type DatasetTarget } from './datasetTarget';

export const DATASET_PREVIEW_VIEW_TYPE = 'sdxl.datasetPreview';
/** Thumbnails made for a page are posted in batches this often. */
const THUMB_BATCH_MS = 80;

export class DatasetPreviewHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private target: DatasetTarget | undefined;
  private gallery: DatasetGallery | undefined;
  private ready = false;
  /** Counts pages asked for: thumbnails of a page no longer shown are not made. */
  private pageGeneration = 0;
  private readonly thumbs: DatasetThumbs;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly panelSubscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly checks: DatasetChecks,
    private readonly log: Log,
  ) {
    this.thumbs = new DatasetThumbs(this.thumbDir());
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(DATASET_PREVIEW_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          const saved = typeof state === 'object' && state !== null ? (state as { target?: unknown }).target : undefined;
          const target = typeof saved === 'string' ? await targetOfPath(saved) : undefined;
          if (!target) {
            panel.dispose();
            return;
          }
          this.adopt(panel, target);
        },
      }),
      checks.onDidCheck((c) => this.onChecked(c)),
      checks.onProgress((p) => {
        if (this.target && p.key === targetKey(this.target))
          this.post({ type: 'progress', title: p.title, target: this.target.path, done: p.done, total: p.total });
      }),
    );
  }

  private thumbDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'dataset-thumbs');
  }

  /** The command: shows the dataset of a config or folder (the last check's, else checks it now). */
  async show(arg?: unknown): Promise<void> {
    const target = await pickDatasetTarget(arg, 'Preview the dataset of');
    if (!target) return;
    if (this.panel) {
      this.panel.reveal();
      this.setTarget(target);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DATASET_PREVIEW_VIEW_TYPE, 'Dataset', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: this.resourceRoots(),
    });
    this.adopt(panel, target);
  }

  private resourceRoots(): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'), vscode.Uri.file(this.thumbDir())];
  }

  private adopt(panel: vscode.WebviewPanel, target: DatasetTarget): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    this.gallery = undefined;
    this.target = target;
    panel.title = `Dataset: ${path.basename(target.path)}`;
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots() };
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'sdxl.svg');
    while (this.panelSubscriptions.length) this.panelSubscriptions.pop()?.dispose();
    panel.onDidDispose(
      () => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.ready = false;
        this.gallery = undefined;
      },
      null,
      this.panelSubscriptions,
    );
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.panelSubscriptions);
    const nonce = makeNonce();
    const asUri = (...p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    panel.webview.html = dashboardHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: asUri('dist', 'webview', 'datasetPreview.js'),
      styleUri: asUri('dist', 'webview', 'datasetPreview.css'),
      title: 'SDXL Dataset Preview',
      rootLabel: 'Dataset preview',
      loadingText: 'Loading the dataset preview…',
    });
  }

  private setTarget(target: DatasetTarget): void {
    if (this.target && targetKey(this.target) === targetKey(target)) return;
    this.target = target;
    this.gallery = undefined;
    if (this.panel) this.panel.title = `Dataset: ${path.basename(target.path)}`;
    if (this.ready) void this.load(false);
  }

  private post(message: DatasetHostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  /** Shows the target's last check, or checks it (joining a check of it that runs); `fresh` checks again regardless. */
  private async load(fresh: boolean): Promise<void> {
    const target = this.target;
    if (!target) return;
    const known = fresh ? undefined : this.checks.last(target);
    if (known) return this.onChecked(known);
    this.post({ type: 'progress', title: path.basename(target.path), target: target.path, done: 0, total: 0 });
    const outcome = fresh ? await this.checks.run(target) : await this.checks.ensure(target);
    // A successful check arrives through onDidCheck; one replaced by a check of another dataset leaves "Check again".
    if (!outcome.ok && this.target === target) this.post({ type: 'failed', message: outcome.message });
  }

  private onChecked(c: CheckedDataset): void {
    if (!this.target || targetKey(this.target) !== targetKey(c.target)) return;
    this.gallery = new DatasetGallery(c.report, { title: c.title, target: c.target.path, centerCrop: c.centerCrop, randomFlip: c.randomFlip });
    if (this.ready) this.post({ type: 'init', overview: this.gallery.overview() });
  }

  private onMessage(raw: unknown): void {
    const problem = checkDatasetWebviewMessage(raw);
    if (problem) {
      this.log(`Dataset preview: ignored a malformed message (${problem})`);
      return;
    }
    const m = raw as DatasetWebviewMessage;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.gallery) this.post({ type: 'init', overview: this.gallery.overview() });
        else void this.load(false);
        break;
      case 'recheck':
        void this.load(true);
        break;
      case 'requestPage':
        this.sendPage(m);
        break;
      case 'selectImage':
        void this.sendCrop(m.index, m.draw);
        break;
      case 'openImage': {
        const img = this.gallery?.report.images[m.index];
        if (img) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(img.file), vscode.ViewColumn.Beside);
        break;
      }
    }
  }

  private sendPage(m: Extract<DatasetWebviewMessage, { type: 'requestPage' }>): void {
    const gallery = this.gallery;
    const panel = this.panel;
    if (!gallery || !panel) return;
    const page = gallery.page(m.filter, m.offset, m.limit);
    this.post({ type: 'page', requestId: m.requestId, ...page });
    const generation = ++this.pageGeneration;
    let batch: { index: number; uri?: string; error?: string }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (batch.length === 0 || this.panel !== panel) return;
      this.post({ type: 'thumbs', thumbs: batch });
      batch = [];
    };
    for (const item of page.items) {
      const img = gallery.report.images[item.index]!;
      void this.thumbs
        .get(img.file, THUMB_SIDE, img.role !== 'train', () => generation === this.pageGeneration && this.panel === panel)
        .then((r) => {
          if (r.ok) batch.push({ index: item.index, uri: panel.webview.asWebviewUri(vscode.Uri.file(r.path)).toString() });
          else if (!r.skipped) batch.push({ index: item.index, error: r.error });
          timer ??= setTimeout(flush, THUMB_BATCH_MS);
        });
    }
  }

  /** The training crop of one draw: the same numbers for the same (image, draw), as trainingCrop computes them. */
  private async sendCrop(index: number, draw: number): Promise<void> {
    const gallery = this.gallery;
    const panel = this.panel;
    const img = gallery?.report.images[index];
    if (!gallery || !panel || !img) return;
    if (!img.width || !img.height || img.codes.includes('corrupt-image') || img.codes.includes('not-an-image')) {
      this.post({ type: 'crop', index, draw, image: gallery.imageView(index), error: 'the image could not be read, so the script could not crop it either' });
      return;
    }
    const checked = this.target ? this.checks.last(this.target) : undefined;
    const crop = trainingCrop(img.width, img.height, gallery.report.resolution, {
      centerCrop: checked?.centerCrop ?? false,
      flip: checked?.randomFlip ?? false,
      random: seededRandom(index, draw),
    });
    const preview = await this.thumbs.get(img.file, PREVIEW_SIDE, img.role !== 'train');
    if (this.panel !== panel) return;
    if (preview.ok)
      this.post({
        type: 'crop',
        index,
        draw,
        image: gallery.imageView(index),
        crop,
        imageUri: panel.webview.asWebviewUri(vscode.Uri.file(preview.path)).toString(),
      });
    else this.post({ type: 'crop', index, draw, image: gallery.imageView(index), crop, error: `no preview of the image: ${preview.error}` });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.panelSubscriptions) s.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
