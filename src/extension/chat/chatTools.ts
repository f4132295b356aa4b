// The language model tools the chat in VS Code can call (`contributes.languageModelTools`): list the runs, summarize
// one, explain a failure, propose a config change. The texts come from core/view/chatTools.ts; this only finds the
// run or the config, and applies a proposed change once the user confirmed it (the one thing a tool here writes).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunsController, RunView } from '../runs/runsController';
import { showRun } from '../../core/monitor/runShow';
import { consoleExcerpt } from '../../core/monitor/consoleExcerpt';
import { recordFiles } from '../../core/supervisor/runRecord';
import { proposeArgChanges, type ArgChange } from '../../core/config/proposeChange';
import {
  CHAT_TOOL_NAMES,
  UNTRUSTED_REFUSAL,
  chatRunRow,
  failureExplanationText,
  proposalAppliedText,
  proposalConfirmation,
  runListText,
  runSummaryText,
  type ChatToolName,
} from '../../core/view/chatTools';
import { isConfigUri, rangeFromOffsets } from '../configDocuments';
import { errText } from '../../core/util/errText';

interface RunInput {
  runId?: unknown;
}
interface ProposeInput {
  config?: unknown;
  runId?: unknown;
  changes?: unknown;
  reason?: unknown;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function result(text: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
}

/** A run by its id or a unique start of it (as the CLI's `run show` takes it); else what went wrong, in words. */
export function findRun(runs: RunsController, runId: unknown): RunView | string {
  if (typeof runId !== 'string' || runId.trim() === '') return 'Give runId: a run id as sdxl_listRuns lists it.';
  const id = runId.trim();
  const exact = runs.get(id);
  if (exact) return exact;
  const matches = runs.runs().filter((r) => r.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  return matches.length === 0
    ? `No run with id "${id}" in this workspace; sdxl_listRuns lists them.`
    : `"${id}" starts ${matches.length} run ids (${matches
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}…); give more of it.`;
}

/** `sdxl_runSummary`'s text, also what "SDXL: Copy Run Summary" copies: `run show --json`'s object (showRun). */
export async function runSummaryFor(runs: RunsController, run: RunView): Promise<string> {
  const record = run.entry.record;
  const { show } = await showRun(run.dir, run.id, {
    ...(record.outputDir ? { recordOutputDir: record.outputDir } : {}),
    recordName: record.name,
    secrets: runs.secrets.list,
  });
  return runSummaryText(show, { name: runs.displayName(run.id), secrets: runs.secrets.list });
}

/** The proposal's target: the config named (inside the workspace, `*.sdxl.json`) or the one a run was started from. */
async function proposalTarget(runs: RunsController, input: ProposeInput): Promise<vscode.TextDocument | string> {
  let file: string | undefined;
  if (typeof input.config === 'string' && input.config.trim()) {
    const root = workspaceRoot();
    file = path.isAbsolute(input.config) ? input.config : root ? path.join(root, input.config) : undefined;
  } else if (input.runId !== undefined) {
    const run = findRun(runs, input.runId);
    if (typeof run === 'string') return run;
    file = run.entry.record.configPath;
    if (!file) return `Run ${run.id} does not say which config it was started from; give config instead.`;
  } else return 'Give config (a *.sdxl.json file of the workspace) or runId (its config is changed).';
  if (!file) return 'Open a workspace folder first: configs are found relative to it.';
  const uri = vscode.Uri.file(file);
  if (!isConfigUri(uri)) return `${file} is not a training config (*.sdxl.json).`;
  if (!vscode.workspace.getWorkspaceFolder(uri)) return `${file} is outside the workspace; only the workspace's configs are changed.`;
  try {
    return await vscode.workspace.openTextDocument(uri);
  } catch (e) {
    return `Cannot open ${vscode.workspace.asRelativePath(uri)}: ${errText(e)}`;
  }
}

function changesOf(input: ProposeInput): Record<string, unknown> | string {
  const c = input.changes;
  if (!c || typeof c !== 'object' || Array.isArray(c))
    return 'Give changes: an object of argument names and their new values ({"train_batch_size": 1}; null removes one).';
  return c as Record<string, unknown>;
}

/** Registers the four tools; in an untrusted workspace each answers UNTRUSTED_REFUSAL (see there why). */
export class ChatTools implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** What the user confirmed, per invocation input: invoke applies only that, never a change made since. */
  private readonly confirmed = new Map<string, string>();

  constructor(
    private readonly runs: RunsController,
    private readonly warn: (message: string) => void,
  ) {
    // Hosts without the language model API (older VS Code forks) simply get no tools.
    if (typeof vscode.lm?.registerTool !== 'function') return;
    const tools: Record<ChatToolName, vscode.LanguageModelTool<never>> = {
      sdxl_listRuns: { invoke: () => this.guard(async () => this.listRuns()) },
      sdxl_runSummary: { invoke: (o: vscode.LanguageModelToolInvocationOptions<RunInput>) => this.guard(() => this.summary(o.input)) },
      sdxl_explainFailure: { invoke: (o: vscode.LanguageModelToolInvocationOptions<RunInput>) => this.guard(() => this.explain(o.input)) },
      sdxl_proposeConfigChange: {
        prepareInvocation: (o: vscode.LanguageModelToolInvocationPrepareOptions<ProposeInput>) => this.prepareProposal(o.input),
        invoke: (o: vscode.LanguageModelToolInvocationOptions<ProposeInput>) => this.guard(() => this.applyProposal(o.input)),
      },
    };
    for (const name of CHAT_TOOL_NAMES) this.disposables.push(vscode.lm.registerTool(name, tools[name]));
  }

  private async guard(answer: () => Promise<string>): Promise<vscode.LanguageModelToolResult> {
    if (!vscode.workspace.isTrusted) return result(UNTRUSTED_REFUSAL);
    try {
      return result(await answer());
    } catch (e) {
      this.warn(`A chat tool failed: ${errText(e)}`);
      return result(this.runs.secrets.redact(`The tool failed: ${errText(e)}`));
    }
  }

  private listRuns(): string {
    const root = workspaceRoot();
    const rows = this.runs.runs().map((r) => chatRunRow(r.entry, r.state, root ? { workspaceRoot: root } : {}));
    return runListText(rows, { secrets: this.runs.secrets.list });
  }

  private async summary(input: RunInput): Promise<string> {
    const run = findRun(this.runs, input.runId);
    return typeof run === 'string' ? run : runSummaryFor(this.runs, run);
  }

  private async explain(input: RunInput): Promise<string> {
    const run = findRun(this.runs, input.runId);
    if (typeof run === 'string') return run;
    const secrets = this.runs.secrets.list;
    const consolePath = recordFiles(run.dir).console;
    // The live monitor's line, as the dashboard's failure banner opens it.
    const line = this.runs.monitorOf(run.id)?.consoleLineOf('failure');
    const excerpt = line ? await consoleExcerpt(consolePath, line, { secrets }) : undefined;
    return failureExplanationText(
      {
        id: run.id,
        name: this.runs.displayName(run.id),
        state: run.state,
        consolePath: vscode.workspace.asRelativePath(consolePath),
        ...(excerpt ? { excerpt } : {}),
      },
      { secrets },
    );
  }

  private async proposal(
    input: ProposeInput,
  ): Promise<
    { doc: vscode.TextDocument; file: string; changes: ArgChange[]; edit: { offset: number; length: number; content: string }; text: string } | string
  > {
    const doc = await proposalTarget(this.runs, input);
    if (typeof doc === 'string') return doc;
    const changes = changesOf(input);
    if (typeof changes === 'string') return changes;
    const file = vscode.workspace.asRelativePath(doc.uri);
    const p = proposeArgChanges(doc.getText(), changes, file);
    if (!p.ok) return `Nothing changed. ${p.errors.join(' ')}`;
    return { doc, file, changes: p.changes, edit: p.edit, text: p.text };
  }

  private async prepareProposal(input: ProposeInput): Promise<vscode.PreparedToolInvocation | undefined> {
    // Untrusted, or a proposal that cannot apply: nothing to confirm; invoke says why.
    if (!vscode.workspace.isTrusted) return undefined;
    const p = await this.proposal(input);
    if (typeof p === 'string') return undefined;
    const reason = typeof input.reason === 'string' ? input.reason : '';
    const { title, message } = proposalConfirmation(p.file, p.changes, reason, p.text);
    this.confirmed.set(JSON.stringify(input), JSON.stringify(p.changes));
    return { invocationMessage: `Changing ${p.file}`, confirmationMessages: { title, message: new vscode.MarkdownString(message) } };
  }

  private async applyProposal(input: ProposeInput): Promise<string> {
    const p = await this.proposal(input);
    if (typeof p === 'string') return p;
    const key = JSON.stringify(input);
    const shown = this.confirmed.get(key);
    this.confirmed.delete(key);
    if (shown === undefined) return `Nothing changed: the change to ${p.file} was not confirmed.`;
    // The document changed between the confirmation and now: the user did not see this change.
    if (shown !== JSON.stringify(p.changes)) return `Nothing changed: ${p.file} changed since the change was confirmed. Propose it again.`;
    const edit = new vscode.WorkspaceEdit();
    // One WorkspaceEdit: one undo step.
    edit.replace(p.doc.uri, rangeFromOffsets(p.doc, p.edit.offset, p.edit.length), p.edit.content);
    if (!(await vscode.workspace.applyEdit(edit))) return `Nothing changed: VS Code did not apply the edit to ${p.file}.`;
    // Shown, not saved: the user sees the change and keeps it with a save, or undoes it.
    await vscode.window.showTextDocument(p.doc, { preview: false, preserveFocus: true });
    return proposalAppliedText(p.file, p.changes);
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
