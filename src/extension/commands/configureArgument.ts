// "SDXL: Configure Argument…": pick any argument of the config's script, see its value, default and help, and set it.
import * as vscode from 'vscode';
import { ARG_GROUPS, argHelp, SCRIPTS, type ArgSpec, type ArgValue } from '../../core/scripts/scriptTables';
import { argumentPrompt, formatArgValue, parseArgumentInput, setArgumentEdits } from '../../core/config/editConfig';
import { rangeOf } from '../../core/config/config';
import { parseDocument, pickConfigDocument, rangeFromOffsets } from '../configDocuments';

interface ArgItem extends vscode.QuickPickItem {
  spec?: ArgSpec;
}

const GROUP_TITLES: Record<(typeof ARG_GROUPS)[number], string> = {
  model: 'Model',
  data: 'Data',
  training: 'Training',
  optimisation: 'Optimisation',
  validation: 'Validation',
  checkpoints: 'Checkpoints',
  logging: 'Logging',
  hub: 'Hub',
  performance: 'Performance',
};

export async function configureArgument(uri?: vscode.Uri, dest?: string): Promise<void> {
  const doc = await pickConfigDocument(uri);
  if (!doc) return;
  const parsed = parseDocument(doc);
  if (!parsed.config) {
    void vscode.window.showErrorMessage(
      `${vscode.workspace.asRelativePath(doc.uri)}: ${parsed.problems[0]?.message ?? 'not a valid training config'}. Fix it first.`,
    );
    return;
  }
  const info = SCRIPTS[parsed.config.script];
  const current = parsed.config.args;
  let spec = dest ? info.byDest.get(dest) : undefined;
  if (!spec) {
    const items: ArgItem[] = [];
    for (const group of ARG_GROUPS) {
      const specs = info.args.filter((a) => a.group === group);
      if (specs.length === 0) continue;
      items.push({ label: GROUP_TITLES[group], kind: vscode.QuickPickItemKind.Separator });
      for (const a of specs) {
        const set = Object.prototype.hasOwnProperty.call(current, a.dest);
        items.push({
          label: a.dest,
          description: set ? `= ${formatArgValue(current[a.dest])}` : `default ${formatArgValue(a.default) || 'none'}${a.required ? ' (required)' : ''}`,
          detail: argHelp(a),
          spec: a,
        });
      }
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: `Configure argument (${info.title})`,
      placeHolder: 'Type to search arguments by name or help text',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    spec = picked?.spec;
  }
  if (!spec) return;
  const answer = await askValue(spec, current[spec.dest], currentText(doc, spec.dest));
  if (answer === 'cancel') return;
  // Re-read: the document may have changed while the pickers were open.
  const edits = setArgumentEdits(doc.getText(), spec.dest, answer.value, answer.asTyped);
  const wsEdit = new vscode.WorkspaceEdit();
  for (const e of edits) wsEdit.replace(doc.uri, rangeFromOffsets(doc, e.offset, e.length), e.content);
  // One WorkspaceEdit is one undo step.
  await vscode.workspace.applyEdit(wsEdit);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const at = parseDocument(doc);
  if (at.root) {
    const { offset, length } = rangeOf(at, `/args/${spec.dest}`, true);
    const r = rangeFromOffsets(doc, offset, length);
    editor.selection = new vscode.Selection(r.start, r.end);
    editor.revealRange(r);
  }
}

/** The argument's value as the file writes it (a number as `5e-5`, not as JSON.parse gives it back). */
function currentText(doc: vscode.TextDocument, dest: string): string | undefined {
  const parsed = parseDocument(doc);
  const value = parsed.config?.args[dest];
  if (typeof value !== 'number' || !parsed.root) return undefined;
  const { offset, length } = rangeOf(parsed, `/args/${dest}`);
  return doc.getText(rangeFromOffsets(doc, offset, length));
}

interface Answer {
  value: ArgValue | undefined;
  asTyped?: string;
}

async function askValue(spec: ArgSpec, current: ArgValue | undefined, currentAsWritten: string | undefined): Promise<Answer | 'cancel'> {
  const title = `${spec.dest} — default ${formatArgValue(spec.default) || 'none'}`;
  if (spec.type === 'bool-flag' || spec.type === 'bool' || spec.choices) {
    const options: Array<vscode.QuickPickItem & { value: ArgValue | undefined }> = [];
    if (spec.type === 'bool-flag' || spec.type === 'bool') {
      options.push({ label: 'true', value: true }, { label: 'false', value: false });
    } else {
      for (const c of spec.choices ?? []) options.push({ label: String(c), value: c });
    }
    options.push({ label: '$(discard) Remove (use the script default)', value: undefined });
    for (const o of options) {
      if (o.value !== undefined && o.value === current) o.description = 'current';
      else if (o.value !== undefined && o.value === spec.default) o.description = 'default';
    }
    const picked = await vscode.window.showQuickPick(options, { title, placeHolder: argHelp(spec) });
    return picked ? { value: picked.value } : 'cancel';
  }
  const input = await vscode.window.showInputBox({
    title,
    prompt: argumentPrompt(spec),
    value: currentAsWritten ?? (current === undefined || current === null ? '' : formatArgValue(current)),
    validateInput: (text) => {
      const r = parseArgumentInput(spec, text);
      return r.ok ? undefined : r.error;
    },
  });
  if (input === undefined) return 'cancel';
  const r = parseArgumentInput(spec, input);
  return r.ok ? { value: r.value, ...(r.asTyped !== undefined ? { asTyped: r.asTyped } : {}) } : 'cancel';
}
