// The editor's one CLIP scorer, shared by the dataset similarity and the run scoring: a worker thread
// (dist/clipWorker.js) started on the first score, never at activation; the model (sdxl.clip.model) resolved then,
// and downloaded into the Hugging Face cache with a cancellable progress notification, after asking when it is larger
// than a few MB (a "never" is remembered per model). Nothing runs in an untrusted workspace. Disposed with the extension.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { ClipModelFiles } from '../../core/clip/clipModelDir';
import { localClipModel, resolveClipModel } from '../../core/clip/clipModelFiles';
import { ClipWorkerClient } from '../../core/clip/clipWorkerClient';
import type { ClipScore, ImageTextScorer } from '../../core/clip/types';
import { hubCacheDir } from '../../core/hub/cachePaths';
import { HubDownloadError } from '../../core/hub/downloadErrors';
import { progressText } from '../../core/hub/downloadText';
import { hubAccessFor } from '../../core/hub/hubAccess';
import { onDidChangeSettings, setting } from '../settings';

/** globalState key: the Hub ids whose download the user declined for good. */
const DECLINED_KEY = 'sdxl.clip.declinedDownloads';

export class ClipService implements ImageTextScorer, vscode.Disposable {
  private client: Promise<ClipWorkerClient> | undefined;
  /** Declined with "Not Now": not asked again in this window. */
  private readonly declinedNow = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly state: vscode.Memento,
    private readonly token: () => Promise<string | undefined>,
    private readonly options: { workerFile?: string; askAboveBytes?: number } = {},
  ) {
    this.subscriptions.push(
      onDidChangeSettings((changed) => {
        if (changed.has('clip.model')) void this.reset();
      }),
    );
  }

  async score(images: readonly string[], text: string, signal?: AbortSignal): Promise<ClipScore[]> {
    return (await this.scorer()).score(images, text, signal);
  }

  async scorePairs(images: readonly string[], texts: readonly string[], signal?: AbortSignal): Promise<ClipScore[]> {
    return (await this.scorer()).scorePairs(images, texts, signal);
  }

  /** Ends the worker (the next score starts a new one, with the model of the setting then). */
  private async reset(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await (await c?.catch(() => undefined))?.dispose();
  }

  private scorer(): Promise<ClipWorkerClient> {
    if (this.disposed) return Promise.reject(new Error('CLIP scoring has stopped'));
    if (!vscode.workspace.isTrusted)
      return Promise.reject(new Error('CLIP scoring runs only in a trusted workspace: trust this folder first (Manage Workspace Trust).'));
    if (!this.client) {
      const pending = this.modelFiles().then(
        (files) => new ClipWorkerClient({ files, spawn: () => new Worker(this.options.workerFile ?? join(__dirname, 'clipWorker.js')) }),
      );
      this.client = pending;
      // A failed resolve (declined, offline, a bad setting) is not kept: the next score tries again.
      pending.catch(() => {
        if (this.client === pending) this.client = undefined;
      });
    }
    return this.client;
  }

  private async modelFiles(): Promise<ClipModelFiles> {
    const model = setting('clip.model').trim();
    const env = process.env;
    const cacheDir = hubCacheDir(env);
    const baseDir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const where = { cacheDir, ...(baseDir ? { baseDir } : {}) };
    const found = await localClipModel(model, where);
    if (found) return found;
    const declined = this.state.get<string[]>(DECLINED_KEY, []);
    if (declined.includes(model)) throw declinedError(model, 'never');
    if (this.declinedNow.has(model)) throw declinedError(model, 'now');
    const access = hubAccessFor(env, await this.token());
    let declinedAs: 'now' | 'never' | undefined;
    try {
      return await this.download(model, where, access, declined, (d) => (declinedAs = d));
    } catch (e) {
      // The core's "was not downloaded" does not know what the user can do next; the answer given says it.
      if (declinedAs && e instanceof HubDownloadError && e.kind === 'cancelled') throw declinedError(model, declinedAs);
      throw e;
    }
  }

  private download(
    model: string,
    where: { cacheDir: string; baseDir?: string },
    access: ReturnType<typeof hubAccessFor>,
    declined: string[],
    onDeclined: (how: 'now' | 'never') => void,
  ): Thenable<ClipModelFiles> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CLIP model ${model}`, cancellable: true },
      async (progress, cancel) => {
        const abort = new AbortController();
        cancel.onCancellationRequested(() => abort.abort());
        let last = 0;
        return resolveClipModel(model, {
          ...where,
          access,
          signal: abort.signal,
          ...(this.options.askAboveBytes !== undefined ? { askAboveBytes: this.options.askAboveBytes } : {}),
          confirm: async (plan) => {
            const mb = (plan.missingBytes / 1e6).toFixed(0);
            // "Not Now" is the close affordance (Escape, ×), so the modal has no extra "Cancel" beside it.
            const picked = await vscode.window.showInformationMessage(
              `Download the CLIP model ${model} (${mb} MB) into the Hugging Face cache to score images?`,
              { modal: true, detail: 'Once, on first use. The model is set by sdxl.clip.model (a Hub id or a local folder).' },
              { title: 'Download' },
              { title: 'Not Now', isCloseAffordance: true },
              { title: 'Never for This Model' },
            );
            const answer = picked?.title;
            if (answer === 'Never for This Model') await this.state.update(DECLINED_KEY, [...declined, model]);
            else if (answer !== 'Download') this.declinedNow.add(model);
            if (answer !== 'Download') onDeclined(answer === 'Never for This Model' ? 'never' : 'now');
            return answer === 'Download';
          },
          onProgress: (p) => {
            const now = Date.now();
            if (now - last < 250 && p.file !== undefined) return;
            last = now;
            progress.report({ message: progressText(p) });
          },
        });
      },
    );
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
    await this.reset();
  }
}

/** A declined download, with what the user can do next. */
function declinedError(model: string, how: 'now' | 'never'): HubDownloadError {
  const next = how === 'now' ? 'you chose Not Now: run Developer: Reload Window to be asked again' : 'you chose Never for This Model';
  return new HubDownloadError(
    'cancelled',
    `The CLIP model ${model} is not downloaded (${next}). Or set sdxl.clip.model to a local folder, or turn off sdxl.clip.scoreDatasetCaptions and sdxl.clip.scoreValidationImages.`,
  );
}
