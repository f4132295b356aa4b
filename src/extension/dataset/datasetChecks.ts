// "SDXL: Check Dataset": core/dataset's check of a config's dataset (or a folder) in the background, with a
// cancellable progress notification; its findings in a DiagnosticCollection of their own ("sdxl-dataset"), a Markdown
// summary, and the report kept for "Preview Dataset". One check at a time: a new one cancels the one running (the
// panel joins a running check of the same dataset instead). Allowed in an untrusted workspace: it only reads images
// and text files (no Python, no program of the workspace's choosing); the Hub listing is looked up only when trusted.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { parseConfigText, rangeOf, type ParsedConfig } from '../../core/config/config';
import type { ImageTextScorer } from '../../core/clip/types';
import { captionTokenizerOfConfig } from '../../core/dataset/captionTokens';
import { setting } from '../settings';
import { checkDataset } from '../../core/dataset/checkDataset';
import { datasetOfConfig, sourceOfFolder, type ConfigDataset } from '../../core/dataset/sources';
import type { DatasetFinding, DatasetReport } from '../../core/dataset/types';
import type { HubAccess } from '../../core/hub/hubAccess';
import { placeFindings } from '../../core/view/datasetProblems';
import { datasetSummaryMarkdown, findingCounts } from '../../core/view/datasetSummary';
import { errText } from '../../core/util/errText';
import { OneAtATime } from '../../core/util/oneAtATime';
import type { Log } from '../listenerErrors';
import { rangeFromOffsets } from '../configDocuments';
import { pickDatasetTarget, targetKey, targetTitle, type DatasetTarget } from './datasetTarget';

const SUMMARY_SCHEME = 'sdxl-dataset';
/** Progress notifications at most this often (a check reports every image). */
const PROGRESS_MS = 100;
const MAX_RELATED = 5;

export interface CheckedDataset {
  target: DatasetTarget;
  title: string;
  report: DatasetReport;
  centerCrop: boolean;
  randomFlip: boolean;
}

export type CheckOutcome = { ok: true; checked: CheckedDataset } | { ok: false; cancelled: boolean; message: string };

export class DatasetChecks implements vscode.TextDocumentContentProvider, vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('sdxl-dataset');
  private readonly latest = new Map<string, CheckedDataset>();
  private readonly checks = new OneAtATime<CheckOutcome>();
  private readonly progressed = new vscode.EventEmitter<{ key: string; title: string; done: number; total: number }>();
  /** A check made progress (images done of total), for the preview panel's own bar. */
  readonly onProgress = this.progressed.event;
  private readonly checked = new vscode.EventEmitter<CheckedDataset>();
  /** A check finished (cancelled part way counts: its report says so). */
  readonly onDidCheck = this.checked.event;
  private readonly summaries = new Map<string, string>();
  private readonly changedDoc = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changedDoc.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly log: Log,
    /** The Hub endpoint and token for a run with this environment (the config's `launch.env` over the window's). */
    private readonly hubAccess: (runEnv: Readonly<Record<string, string | undefined>>) => Promise<HubAccess | undefined>,
    /** The editor's CLIP scorer (its model downloaded on first use, after asking), for image–caption similarity. */
    private readonly clip?: ImageTextScorer,
  ) {
    this.subscriptions = [
      this.collection,
      this.progressed,
      this.checked,
      this.changedDoc,
      vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, this),
    ];
  }

  /** The last finished check of `target`, if any. */
  last(target: DatasetTarget): CheckedDataset | undefined {
    return this.latest.get(targetKey(target));
  }

  /** The running check of `target` if there is one, else a new check (cancelling any other). */
  ensure(target: DatasetTarget): Promise<CheckOutcome> {
    return this.checks.running(targetKey(target)) ?? this.run(target);
  }

  /** Checks `target` now, cancelling a check that runs; the results replace that target's earlier ones. */
  run(target: DatasetTarget): Promise<CheckOutcome> {
    const key = targetKey(target);
    const title = targetTitle(target);
    return this.checks.start(key, (replaced) =>
      Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `SDXL: checking the dataset of ${title}`, cancellable: true },
          async (progress, token): Promise<CheckOutcome> => {
            // Stopped by the notification's Cancel or by a newer check.
            const abort = new AbortController();
            const stop = () => abort.abort();
            replaced.addEventListener('abort', stop);
            const sub = token.onCancellationRequested(stop);
            try {
              return await this.check(target, title, abort.signal, replaced, (done, total) => {
                progress.report({ message: `${done} of ${total} images` });
                this.progressed.fire({ key, title, done, total });
              });
            } catch (e) {
              this.log(`Dataset check of ${title} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
              return { ok: false, cancelled: false, message: `the dataset check of ${title} failed: ${errText(e)}` };
            } finally {
              replaced.removeEventListener('abort', stop);
              sub.dispose();
            }
          },
        ),
      ),
    );
  }

  private async check(
    target: DatasetTarget,
    title: string,
    signal: AbortSignal,
    replaced: AbortSignal,
    onProgress: (done: number, total: number) => void,
  ): Promise<CheckOutcome> {
    let config: { doc: vscode.TextDocument; parsed: ParsedConfig } | undefined;
    let dataset: ConfigDataset;
    if (target.kind === 'config') {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target.path));
      const parsed = parseConfigText(doc.getText());
      config = { doc, parsed };
      if (!parsed.config) return { ok: false, cancelled: false, message: `${title} is not a valid config (see its problems), so its dataset is not known.` };
      const found = datasetOfConfig(parsed.config, target.path);
      if ('error' in found) return { ok: false, cancelled: false, message: `${title}: ${found.error}` };
      dataset = found;
    } else {
      dataset = { source: await sourceOfFolder(target.path), resolution: 1024, centerCrop: false, randomFlip: false };
    }
    let last = 0;
    const runEnv = { ...process.env, ...(config?.parsed.config?.launch?.env ?? {}) };
    const hub = vscode.workspace.isTrusted && dataset.source.kind === 'hub' ? await this.hubAccess(runEnv) : undefined;
    // Captions measured with the config's own model tokenizers when that model is on this machine (no download).
    const tokenizer = config?.parsed.config ? await captionTokenizerOfConfig(config.parsed.config, target.path, runEnv) : undefined;
    if (tokenizer && 'reason' in tokenizer) this.log(`Dataset check of ${title}: captions not measured in CLIP tokens: ${tokenizer.reason}`);
    const scorer = this.clip && vscode.workspace.isTrusted && setting('clip.scoreDatasetCaptions') ? this.clip : undefined;
    const report = await checkDataset(dataset.source, {
      ...(tokenizer && 'count' in tokenizer ? { tokenCount: tokenizer.count } : {}),
      ...(scorer ? { scorer } : {}),
      resolution: dataset.resolution,
      centerCrop: dataset.centerCrop,
      randomFlip: dataset.randomFlip,
      ...(hub ? { hub } : {}),
      signal,
      onProgress: (done, total) => {
        const now = Date.now();
        if (done < total && now - last < PROGRESS_MS) return;
        last = now;
        onProgress(done, total);
      },
    });
    if (replaced.aborted) {
      // Replaced by a newer check: that one's results are the ones to show.
      return { ok: false, cancelled: true, message: `The check of ${title} was stopped by a newer check.` };
    }
    const checked: CheckedDataset = { target, title, report, centerCrop: dataset.centerCrop, randomFlip: dataset.randomFlip };
    this.latest.set(targetKey(target), checked);
    this.publish(checked, config);
    this.checked.fire(checked);
    return { ok: true, checked };
  }

  /** Replaces the target's diagnostics (every file of its previous check is cleared first). */
  private publish(checked: CheckedDataset, config: { doc: vscode.TextDocument; parsed: ParsedConfig } | undefined): void {
    const { report, target } = checked;
    const previous = this.filesOf.get(targetKey(target)) ?? [];
    for (const f of previous) this.collection.delete(vscode.Uri.file(f));
    const args = config?.parsed.config?.args;
    const placed = placeFindings(report, {
      ...(target.kind === 'config' && args ? { configArgs: args as Record<string, unknown> } : {}),
      isFile: (p) => {
        try {
          return fs.statSync(p).isFile();
        } catch {
          return false;
        }
      },
    });
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const push = (file: string, d: vscode.Diagnostic) => {
      const list = byFile.get(file);
      if (list) list.push(d);
      else byFile.set(file, [d]);
    };
    for (const { finding, place } of placed) {
      if (place.kind === 'configArg' && config) {
        // The argument's key; a dataset argument left to the script's default has none, and rangeOf gives the nearest.
        const r = rangeOf(config.parsed, `/args/${place.dest}`, true);
        push(target.path, diagnostic(finding, rangeFromOffsets(config.doc, r.offset, r.length)));
      } else if (place.kind === 'line') {
        push(place.file, diagnostic(finding, new vscode.Range(place.line - 1, 0, place.line - 1, Number.MAX_SAFE_INTEGER)));
      } else if (place.kind === 'file') {
        push(place.file, diagnostic(finding, new vscode.Range(0, 0, 0, 0)));
      }
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
    this.filesOf.set(targetKey(target), [...byFile.keys()]);
  }

  private readonly filesOf = new Map<string, string[]>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.summaries.get(uri.toString()) ?? '# Dataset check\n\nThis summary is gone; run "SDXL: Check Dataset" again.\n';
  }

  /** The command: pick, check, show the summary and offer the preview. */
  async checkCommand(arg?: unknown): Promise<void> {
    const target = await pickDatasetTarget(arg, 'Check the dataset of');
    if (!target) return;
    const outcome = await this.run(target);
    if (!outcome.ok) {
      if (!outcome.cancelled) void vscode.window.showErrorMessage(`SDXL: ${outcome.message}`);
      return;
    }
    const { report, title } = outcome.checked;
    const uri = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/Dataset check — ${title.replace(/[/\\]/g, '∕')}.md` });
    this.summaries.set(uri.toString(), datasetSummaryMarkdown(report, title));
    this.changedDoc.fire(uri);
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      await vscode.window.showTextDocument(doc, { preview: false });
    } catch (e) {
      this.log(`Dataset check: cannot show the summary: ${errText(e)}`);
    }
    const PREVIEW = 'Preview Dataset';
    const PROBLEMS = 'Show Problems';
    const say = `SDXL: ${title}: ${report.summary.images} images; ${findingCounts(report)}${report.cancelled ? ' (cancelled part way)' : ''}.`;
    const show =
      report.summary.errors > 0
        ? vscode.window.showErrorMessage
        : report.summary.warnings > 0
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    const picked = await show(say, PREVIEW, ...(report.findings.length > 0 ? [PROBLEMS] : []));
    if (picked === PREVIEW)
      await vscode.commands.executeCommand('sdxl.previewDataset', target.kind === 'config' ? vscode.Uri.file(target.path) : vscode.Uri.file(target.path));
    else if (picked === PROBLEMS) await vscode.commands.executeCommand('workbench.actions.view.problems');
  }

  dispose(): void {
    this.checks.cancel();
    for (const s of this.subscriptions) s.dispose();
  }
}

function diagnostic(f: DatasetFinding, range: vscode.Range): vscode.Diagnostic {
  const severity =
    f.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : f.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  const d = new vscode.Diagnostic(range, f.fix ? `${f.message.trimEnd().replace(/\.$/, '')}. ${f.fix}` : f.message, severity);
  d.code = f.code;
  d.source = 'SDXL dataset';
  if (f.related && f.related.length > 0) {
    d.relatedInformation = f.related
      .slice(0, MAX_RELATED)
      .map((p) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(p), new vscode.Position(0, 0)), 'also this file'));
  }
  return d;
}
