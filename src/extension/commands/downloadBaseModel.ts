// "SDXL: Download Base Model": the files the config's script loads from the Hub, into the Hugging Face cache the
// Python libraries read, with a cancellable progress notification. Trusted workspaces only (it writes outside the
// workspace and talks to the network on the config's behalf).
import * as vscode from 'vscode';
import { hubCacheDir, repoCachePaths } from '../../core/hub/cachePaths';
import { runDownload } from '../../core/hub/download';
import { HubDownloadError } from '../../core/hub/downloadErrors';
import { planDownload, type DownloadPlan } from '../../core/hub/downloadPlan';
import { downloadDoneText, downloadQuestion, planSummary, progressText } from '../../core/hub/downloadText';
import { hubAccessFor } from '../../core/hub/hubAccess';
import { downloadRequestOfConfig, isHubId, type DownloadRequest } from '../../core/hub/modelFiles';
import { errText } from '../../core/util/errText';
import { isConfigDocument, isConfigUri, parseDocument } from '../configDocuments';

interface Target {
  request: DownloadRequest;
  /** The environment the run gets (the extension host's + the config's launch.env): where the script looks. */
  env: Record<string, string | undefined>;
  source: string;
}

async function targetOf(uri: unknown): Promise<Target | undefined> {
  const doc =
    uri instanceof vscode.Uri && isConfigUri(uri)
      ? await vscode.workspace.openTextDocument(uri)
      : vscode.window.activeTextEditor && isConfigDocument(vscode.window.activeTextEditor.document)
        ? vscode.window.activeTextEditor.document
        : undefined;
  if (doc) {
    const config = parseDocument(doc).config;
    const name = vscode.workspace.asRelativePath(doc.uri);
    if (!config) {
      void vscode.window.showErrorMessage(`${name} is not a valid training config (see the Problems panel): fix it, then run Download Base Model again.`);
      return undefined;
    }
    const request = downloadRequestOfConfig(config, doc.uri.fsPath);
    if (typeof request === 'string') {
      void vscode.window.showInformationMessage(`${name}: ${request}`);
      return undefined;
    }
    return { request, env: { ...process.env, ...(config.launch?.env ?? {}) }, source: name };
  }
  const id = await vscode.window.showInputBox({
    title: 'Download Base Model: which Hub model?',
    placeHolder: 'stabilityai/stable-diffusion-xl-base-1.0',
    validateInput: (v) => (isHubId(v.trim()) ? undefined : 'A Hub model id: org/name'),
  });
  if (!id) return undefined;
  return { request: { model: id.trim(), modelVae: true }, env: { ...process.env }, source: id.trim() };
}

/** `token`: the editor's Hugging Face token (signed in, $HF_TOKEN or the CLI's token file), if any. */
export async function downloadBaseModel(uri: unknown, token: () => Promise<string | undefined>): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Download Base Model runs only in a trusted workspace: trust this folder first (Manage Workspace Trust).');
    return;
  }
  const target = await targetOf(uri);
  if (!target) return;
  const access = hubAccessFor(target.env, await token());
  const cacheDir = hubCacheDir(target.env);
  const { model } = target.request;
  try {
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking up ${model} on ${access.hubUrl}…` }, () =>
      planDownload(target.request, access, cacheDir),
    );
    if (plan.missingBytes === 0) {
      await runDownload(plan, access); // links the snapshot and writes the refs
      await done(downloadDoneText(plan, true), plan);
      return;
    }
    const go = await vscode.window.showInformationMessage(
      downloadQuestion(model, target.request.variant, target.source),
      { modal: true, detail: `${planSummary(plan)}. Only the files the training script loads.` },
      'Download',
    );
    if (go !== 'Download') return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${model}`, cancellable: true },
      async (progress, cancel) => {
        const abort = new AbortController();
        cancel.onCancellationRequested(() => abort.abort());
        let shown = 0;
        let last = 0;
        await runDownload(plan, access, {
          signal: abort.signal,
          onProgress: (p) => {
            // A notification update per chunk would flood the renderer: a few per second.
            const now = Date.now();
            if (now - last < 250 && p.file !== undefined) return;
            last = now;
            const pct = plan.totalBytes > 0 ? (p.doneBytes / plan.totalBytes) * 100 : 100;
            progress.report({ message: progressText(p), increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
          },
        });
      },
    );
    await done(downloadDoneText(plan, false), plan);
  } catch (e) {
    if (e instanceof HubDownloadError && e.kind === 'cancelled') void vscode.window.showInformationMessage(e.message);
    else void vscode.window.showErrorMessage(e instanceof HubDownloadError ? e.message : `Download of ${model} failed: ${errText(e)}`);
  }
}

async function done(message: string, plan: DownloadPlan): Promise<void> {
  const first = plan.refs[0];
  const folder = first ? repoCachePaths(plan.cacheDir, first.repo).repoDir : plan.cacheDir;
  const open = await vscode.window.showInformationMessage(message, 'Open Folder');
  if (open) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
}
