// "SDXL: New Config from Command Line…" opens a scratch document to paste a README's command into (a one-line input
// box flattens its `\` continuations and `export` lines); "SDXL: Import Command Line" (a CodeLens on that document
// and an editor title button) turns the document's command into a config, as `sdxl-trainer import --stdin` does.
import * as vscode from 'vscode';
import { ImportError, importCommandText, UnknownScriptError, type ImportResult } from '../../core/launch/importCommand';
import { importDocumentText, isImportDocument } from '../../core/launch/importDocument';
import { SCRIPT_KINDS, SCRIPTS, type ScriptKind } from '../../core/scripts/scriptTables';
import { stepTitles } from '../../core/util/stepTitles';
import { showConfig, writeNewConfig } from './newConfig';

const TITLE = 'New config from command line';

export async function newConfigFromCommandLine(): Promise<void> {
  // The clipboard is not read: in a browser that waits on a permission prompt, and the user pastes here anyway.
  const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: importDocumentText() });
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
}

export function isImportTextDocument(doc: vscode.TextDocument): boolean {
  return doc.lineCount > 0 && isImportDocument(doc.lineAt(0).text);
}

/** A new config from the command in `uri`'s document, else the active editor's (any shell script will do). */
export async function importCommandLine(uri?: vscode.Uri): Promise<void> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc) {
    void vscode.window.showWarningMessage(
      'Open the document holding the training command first ("SDXL: New Config from Command Line…" opens one to paste it into).',
    );
    return;
  }
  const text = doc.getText();
  let result: ImportResult;
  let nameTitle: string;
  try {
    try {
      result = importCommandText(undefined, text);
      nameTitle = stepTitles(TITLE, ['file name'])[0]!;
    } catch (e) {
      if (!(e instanceof UnknownScriptError)) throw e;
      const titles = stepTitles(TITLE, ['which script?', 'file name']);
      const pick = await vscode.window.showQuickPick(
        SCRIPT_KINDS.map((k) => ({ label: k, description: SCRIPTS[k].title })),
        {
          title: titles[0],
          placeHolder: e.message,
        },
      );
      if (!pick) return;
      result = importCommandText(pick.label as ScriptKind, text);
      nameTitle = titles[1]!;
    }
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(doc.uri)}: ${e.message}`);
    return;
  }
  if (result.warnings.length > 0) {
    void vscode.window.showWarningMessage(`Imported with ${result.warnings.length} note(s): ${result.warnings.join(' ')}`);
  }
  const target = await writeNewConfig(result.config, result.config.script, ['Imported from a command line by "SDXL: Import Command Line".'], nameTitle);
  if (!target) return;
  // The scratch document has done its job; reverting it first closes it without a "save changes?" prompt.
  if (doc.isUntitled && isImportTextDocument(doc)) {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await showConfig(target);
}

/** "Import Command Line" above the scratch document's header. */
export class ImportCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isImportTextDocument(doc)) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: '$(file-add) Import Command Line',
        tooltip: 'Make a training config (*.sdxl.json) from the command pasted below',
        command: 'sdxl.importCommandLine',
        arguments: [doc.uri],
      }),
    ];
  }
}
