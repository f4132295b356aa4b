// "SDXL: Compare Samples…": one webview panel per generation job (webview/src/compare/), rows prompt × seed, columns
// the job's sources, filled in live from the GenerationFeed, through the typed protocol in src/shared/compareProtocol.ts
// (ready handshake, every message validated). The panel's localResourceRoots are the bundle and the job's output
// folder only; the webview names an image by {jobId, source, promptIndex, seed} and the host maps it to the file.
// CLIP scores of the images against their prompts are computed once per image (core/generate/clipScores.ts) when the
// model is on this machine; otherwise the panel offers its download. A serializer brings panels back after a reload.
import * as vscode from 'vscode';
import { copyFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { dashboardHtml } from '../../shared/dashboardHtml';
import { checkCompareWebviewMessage, type ClipStatusView, type CompareHostMessage, type CompareWebviewMessage } from '../../shared/compareProtocol';
import type { GenerationState } from '../../core/generate/types';
import type { ImageTextScorer } from '../../core/clip/types';
import { readGenerationClipScores, scoreGenerationImages, unscoredImages } from '../../core/generate/clipScores';
import { compareJobView, imageFileOf } from '../../core/view/compareView';
import { jobStartText } from '../../core/generate/sampleQuestions';
import { errText } from '../../core/util/errText';
import { isWithin } from '../../core/util/pathContainment';
import { makeNonce } from '../webviewUtil';
import type { GenerationFeed } from './generationFeed';
import { onDidChangeSettings } from '../settings';

export const COMPARE_VIEW_TYPE = 'sdxl.compare';
/** Feed changes come in bursts (a denoising step each): the panel is sent a snapshot at most this often. */
const UPDATE_MS = 150;

/** What the panel needs of CLIP (wired to the ClipService and the sdxl.clip.model setting in sdxlExtension.ts). */
export interface CompareClip {
  /** The model's id, as the run scoring keys its scores. */
  modelId(): string;
  /** Whether the model is on this machine (no download needed), or why it cannot be used. */
  local(): Promise<boolean | { error: string }>;
  /** The shared scorer; scoring through it downloads the model after asking when it is missing. */
  scorer: ImageTextScorer;
  /** Scoring is allowed (a trusted workspace). */
  enabled(): boolean;
}

export class CompareHost implements vscode.Disposable {
  private readonly panels = new Map<string, ComparePanel>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly feed: GenerationFeed,
    private readonly clip: CompareClip,
    private readonly log: (message: string) => void,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          const saved = typeof state === 'object' && state !== null ? (state as { jobId?: unknown }).jobId : undefined;
          if (typeof saved !== 'string' || !/^[\w.-]{1,200}$/.test(saved) || this.panels.has(saved)) {
            panel.dispose();
            return;
          }
          this.adopt(panel, saved);
        },
      }),
      feed.onDidChange((jobId) => this.panels.get(jobId)?.changed()),
      // Another model: its scores (kept apart in clip-scores.json) are shown, or made.
      onDidChangeSettings((changed) => {
        if (changed.has('clip.model')) for (const p of this.panels.values()) p.changed();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const p of this.panels.values()) p.changed();
      }),
    );
  }

  /** The command: a job id (or a tree node carrying one), else a pick of the feed's jobs. */
  async show(arg?: unknown): Promise<void> {
    const jobId = jobIdOf(arg) ?? (await this.pick());
    if (!jobId) return;
    const open = this.panels.get(jobId);
    if (open) {
      open.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Samples', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.bundleRoot()],
    });
    this.adopt(panel, jobId);
  }

  private async pick(): Promise<string | undefined> {
    const jobs = this.feed
      .jobs()
      .filter((j) => j.images.length > 0 || (j.status !== 'failed' && j.status !== 'stopped'))
      .reverse();
    if (jobs.length === 0) {
      void vscode.window.showInformationMessage('No sample images to compare yet: run SDXL: Generate Samples… first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      jobs.map((j) => ({ label: j.name, description: `${j.status} · ${j.images.length}/${j.total} images`, detail: j.jobId, jobId: j.jobId })),
      { title: 'Compare the samples of', matchOnDetail: true },
    );
    return picked?.jobId;
  }

  bundleRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  private adopt(panel: vscode.WebviewPanel, jobId: string): void {
    const p = new ComparePanel(this, panel, jobId, this.feed, this.clip, this.log);
    this.panels.set(jobId, p);
    panel.onDidDispose(() => {
      if (this.panels.get(jobId) === p) this.panels.delete(jobId);
      p.dispose();
    });
    p.changed();
  }

  html(panel: vscode.WebviewPanel): string {
    const asUri = (...p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    return dashboardHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asUri('dist', 'webview', 'compare.js'),
      styleUri: asUri('dist', 'webview', 'compare.css'),
      title: 'SDXL Compare Samples',
      rootLabel: 'Sample comparison',
      loadingText: 'Loading the comparison…',
    });
  }

  iconPath(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'media', 'sdxl.svg');
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** A job id from the command's argument: the id itself, or an object with `jobId` (a Runs view row). */
function jobIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (typeof arg === 'object' && arg !== null) {
    const id = (arg as { jobId?: unknown }).jobId;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

class ComparePanel {
  private ready = false;
  /** The output folder the page was given as a resource root (the page is (re)loaded when it is first known). */
  private root: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private updating = false;
  private again = false;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  // CLIP: the scores of `scoresModel`, whether it is on this machine, and the scoring under way.
  private scores = new Map<string, number>();
  private scoresModel: string | undefined;
  private clipLocal: boolean | { error: string } | undefined;
  private clipError: string | undefined;
  private scoring = false;
  private downloadAsked = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly host: CompareHost,
    readonly panel: vscode.WebviewPanel,
    private readonly jobId: string,
    private readonly feed: GenerationFeed,
    private readonly clip: CompareClip,
    private readonly log: (message: string) => void,
  ) {
    panel.iconPath = host.iconPath();
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.subscriptions);
    this.load(feed.get(jobId)?.outputDir);
  }

  /**
   * Loads the page with the job's output folder as a resource root. A reload may restore the panel before the feed has
   * found its job (it finds them when the window starts): the page then loads with the bundle only, and again once the
   * job, and so its folder, is known.
   */
  private load(outputDir: string | undefined): void {
    this.root = outputDir;
    this.ready = false;
    const roots = [this.host.bundleRoot(), ...(outputDir ? [vscode.Uri.file(outputDir)] : [])];
    this.panel.webview.options = { enableScripts: true, localResourceRoots: roots };
    this.panel.webview.html = this.host.html(this.panel);
  }

  /** The job changed (or the panel opened): a snapshot soon, once the page is ready. */
  changed(): void {
    if (this.disposed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.updating) {
        // One snapshot at a time, in order: the one under way is followed by another with what changed since.
        this.again = true;
        return;
      }
      this.updating = true;
      void this.update()
        .catch((e) => this.log(`Compare Samples: could not show job ${this.jobId}: ${errText(e)}`))
        .finally(() => {
          this.updating = false;
          if (this.again) {
            this.again = false;
            this.changed();
          }
        });
    }, UPDATE_MS);
  }

  private async update(): Promise<void> {
    const state = this.feed.get(this.jobId);
    if (!state) {
      if (this.ready) this.post({ type: 'missing', jobId: this.jobId, message: `No generation job ${this.jobId} in this workspace.` });
      return;
    }
    // The job's name names the run; its start time tells two jobs of one run apart.
    const start = jobStartText(state);
    this.panel.title = start ? `${state.name} (${start})` : state.name;
    if (this.root !== state.outputDir) return this.load(state.outputDir);
    if (!this.ready) return;
    const clip = await this.clipStatus(state);
    if (this.disposed) return;
    this.post({
      type: 'job',
      job: compareJobView({ state, uriOf: (file) => this.uriOf(state, file), scores: this.scores, clip }),
    });
  }

  /** The webview URI of an image file of the job (relative to its folder); none for a path that leaves the folder. */
  private uriOf(state: GenerationState, file: string): string | undefined {
    const path = join(state.outputDir, file);
    return isWithin(state.outputDir, path) ? this.panel.webview.asWebviewUri(vscode.Uri.file(path)).toString() : undefined;
  }

  /** Where the scores stand; starts scoring the images that have none when the model is here (or its download was asked). */
  private async clipStatus(state: GenerationState): Promise<ClipStatusView> {
    if (!this.clip.enabled()) return { state: 'unavailable', message: 'CLIP scores: only in a trusted workspace.' };
    const model = this.clip.modelId();
    if (this.scoresModel !== model) {
      this.scoresModel = model;
      this.scores = await readGenerationClipScores(state.outputDir, model);
      this.clipLocal = undefined;
      this.clipError = undefined;
    }
    if (this.clipError) return { state: 'unavailable', message: `CLIP scores: ${this.clipError}` };
    const prompts = state.settings?.prompts ?? [];
    const todo = unscoredImages({ outputDir: state.outputDir, images: state.images, prompts, known: this.scores });
    this.clipLocal ??= await this.clip.local();
    if (typeof this.clipLocal === 'object') return { state: 'unavailable', message: `CLIP scores: ${this.clipLocal.error}` };
    if (!this.clipLocal && !this.downloadAsked) return { state: 'not-downloaded', model };
    if (todo.length === 0) return { state: this.scoring ? 'scoring' : 'scored', model };
    if (!this.scoring) void this.score(state, model);
    return { state: 'scoring', model };
  }

  private async score(state: GenerationState, model: string): Promise<void> {
    this.scoring = true;
    try {
      this.scores = await scoreGenerationImages({
        outputDir: state.outputDir,
        images: state.images,
        prompts: state.settings?.prompts ?? [],
        model,
        scorer: this.clip.scorer,
        known: this.scores,
        signal: this.abort.signal,
      });
      this.clipLocal = true;
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.clipError = errText(e);
      this.log(`Compare Samples: CLIP scoring of job ${this.jobId} stopped: ${this.clipError}`);
    } finally {
      this.scoring = false;
    }
    // Images may have come while scoring: the next snapshot scores those.
    this.changed();
  }

  private post(message: CompareHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    const problem = checkCompareWebviewMessage(raw);
    if (problem) {
      this.log(`Compare Samples: ignored a malformed message (${problem})`);
      return;
    }
    const m = raw as CompareWebviewMessage;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.changed();
        break;
      case 'downloadClip':
        this.downloadAsked = true;
        this.clipError = undefined;
        this.changed();
        break;
      case 'saveImage':
        if (m.jobId === this.jobId) void this.saveImage(m);
        break;
    }
  }

  private async saveImage(ref: { source: string; promptIndex: number; seed: number }): Promise<void> {
    const state = this.feed.get(this.jobId);
    const file = state ? imageFileOf(state, ref) : undefined;
    if (!state || !file) {
      this.log(`Compare Samples: job ${this.jobId} has no image ${ref.source} / prompt ${ref.promptIndex} / seed ${ref.seed}`);
      return;
    }
    const slug = state.name.replace(/[^\w.-]+/g, '-').slice(0, 60);
    const target = await vscode.window.showSaveDialog({
      title: 'Save image as',
      defaultUri: vscode.Uri.joinPath(
        vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()),
        `${slug}-${ref.source}-${ref.promptIndex}-${ref.seed}.png`,
      ),
      filters: { 'PNG images': ['png'] },
    });
    if (!target) return;
    try {
      await copyFile(file, target.fsPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not save ${basename(file)} to ${target.fsPath}: ${errText(e)}`);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.abort.abort();
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
