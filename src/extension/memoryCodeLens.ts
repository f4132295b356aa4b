// The estimated peak GPU memory of a config, as a CodeLens above "args" and in a detail view.
import * as vscode from 'vscode';
import { estimateMemory } from '../core/config/memoryEstimate';
import { rangeOf } from '../core/config/config';
import { runsOnLocalGpus } from '../core/launch/launchPlan';
import { parseDocument, pickConfigDocument, rangeFromOffsets } from './configDocuments';
import type { GpuInventory } from './gpus';
import { setting } from './settings';
import type { Log } from './listenerErrors';

/**
 * The lens parses the config on the extension host at every edit: past this size (no real config comes near it) that
 * would pause the host each time, so the estimate is left to "SDXL: Show GPU Memory Estimate".
 */
const LENS_MAX_CHARS = 256 * 1024;

export class MemoryCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly gpus: GpuInventory,
    private readonly log: Log = () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!setting('memoryEstimate.codeLens')) return [];
    if (doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end) > LENS_MAX_CHARS) return [];
    const parsed = parseDocument(doc);
    if (!parsed.config) return [];
    let est: ReturnType<typeof estimateMemory>;
    try {
      est = estimateMemory(parsed.config);
    } catch (e) {
      // The estimate takes any config: a throw is a bug, logged; the config just gets no lens.
      this.log(`Memory estimate of ${doc.uri.fsPath} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return [];
    }
    // A Slurm job's GPUs are the cluster's: no fits/exceeds against this machine's.
    const gpus = runsOnLocalGpus(parsed.config) ? await this.gpus.get() : undefined;
    let smallestMiB = Infinity;
    for (const g of gpus ?? []) smallestMiB = Math.min(smallestMiB, g.memoryTotalMiB);
    const smallest = Number.isFinite(smallestMiB) ? smallestMiB / 1024 : undefined;
    const fits =
      smallest === undefined ? '' : est.totalGiB <= smallest ? ` · fits ${smallest.toFixed(0)} GiB GPU` : ` · exceeds ${smallest.toFixed(0)} GiB GPU`;
    const { offset, length } = rangeOf(parsed, '/args', true);
    return [
      new vscode.CodeLens(rangeFromOffsets(doc, offset, length), {
        title: `$(pulse) Estimated peak GPU memory: ${est.totalGiB.toFixed(1)} GiB${fits}`,
        tooltip: est.breakdown.map((b) => `${b.label}: ${b.gib.toFixed(2)} GiB`).join('\n'),
        command: 'sdxl.showMemoryEstimate',
        arguments: [doc.uri],
      }),
    ];
  }
}

/**
 * The estimate's detail as a read-only virtual Markdown document (`sdxl-estimate:` URIs whose query is the config's
 * URI): an untitled document would be left dirty, and asked about on every close, each time the CodeLens is clicked.
 */
export class EstimateDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'sdxl-estimate';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Map<string, vscode.Uri>();
  private readonly watcher = vscode.workspace.onDidChangeTextDocument((e) => {
    const shown = this.open.get(e.document.uri.toString());
    if (shown) this.changed.fire(shown);
  });

  uriFor(config: vscode.Uri): vscode.Uri {
    const name = config.path.split('/').pop() ?? 'config';
    const uri = vscode.Uri.from({ scheme: EstimateDocuments.scheme, path: `/${name} memory estimate.md`, query: config.toString() });
    this.open.set(config.toString(), uri);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri.query, true));
    const parsed = parseDocument(doc);
    if (!parsed.config) return `# No estimate\n\n${parsed.problems[0]?.message ?? 'Not a valid training config.'}\n`;
    const est = estimateMemory(parsed.config);
    return (
      [
        `# Estimated peak GPU memory: ${est.totalGiB.toFixed(1)} GiB`,
        '',
        `Config: ${vscode.workspace.asRelativePath(doc.uri)}`,
        '',
        '| part | GiB |',
        '|---|---:|',
        ...est.breakdown.map((b) => `| ${b.label} | ${b.gib.toFixed(2)} |`),
        '',
        `Basis: ${est.basis}`,
        '',
        ...est.assumptions.map((a) => `- ${a}`),
      ].join('\n') + '\n'
    );
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}

export async function showMemoryEstimate(documents: EstimateDocuments, uri?: vscode.Uri): Promise<void> {
  const doc = await pickConfigDocument(uri);
  if (!doc) return;
  const parsed = parseDocument(doc);
  if (!parsed.config) {
    void vscode.window.showErrorMessage(parsed.problems[0]?.message ?? 'Not a valid training config.');
    return;
  }
  const md = documents.uriFor(doc.uri);
  await vscode.commands
    .executeCommand('markdown.showPreview', md)
    .then(undefined, async () => vscode.window.showTextDocument(await vscode.workspace.openTextDocument(md)));
}
