// A run that preflight refused: the error notification, with the actions that lead to the setting to change.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { parseConfigText, rangeOf } from '../../core/config/config';
import { configPointerOf, pythonChoiceHelps, type PreflightError } from '../../core/supervisor/preflight';
import type { Fix } from '../../core/config/fixes';

const SELECT_PYTHON = 'Select Python Interpreter';
const OPEN_CONFIG = 'Open Config';

/** Shows why the run could not start; "Select Python Interpreter" when launch.python decides the launcher, and "Open Config". */
export async function showStartRefused(configUri: vscode.Uri, error: PreflightError): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(configUri);
  const launch = parseConfigText(doc.getText()).config?.launch ?? {};
  const actions = pythonChoiceHelps(error.problems, launch) ? [SELECT_PYTHON, OPEN_CONFIG] : [OPEN_CONFIG];
  const action = await vscode.window.showErrorMessage(`SDXL: ${error.message}`, ...actions);
  if (action === OPEN_CONFIG) await openConfigAt(doc, error.problems[0] ? configPointerOf(error.problems[0], launch) : '/launch');
  else if (action === SELECT_PYTHON) await selectPythonInterpreter(doc);
}

/** Opens the config with the cursor on the key at `pointer` (or the nearest section that exists). */
async function openConfigAt(doc: vscode.TextDocument, pointer: string): Promise<void> {
  const { offset } = rangeOf(parseConfigText(doc.getText()), pointer, true);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const pos = doc.positionAt(offset);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
}

/**
 * The Python extension's interpreter picker, when it is installed; the pick becomes the config's launch.python (the
 * extension reads the interpreter from the config only). Without it, the config opens at launch.python.
 */
async function selectPythonInterpreter(doc: vscode.TextDocument): Promise<void> {
  const name = path.basename(doc.uri.fsPath);
  if (!(await vscode.commands.getCommands(true)).includes('python.setInterpreter')) {
    await openConfigAt(doc, '/launch/python');
    void vscode.window.showInformationMessage(
      `SDXL: set "python" under "launch" in ${name} to the training environment's interpreter (the Python extension is not installed to pick one).`,
    );
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const selected = () =>
    vscode.commands.executeCommand<unknown>('python.interpreterPath', folder ? { workspaceFolder: folder.uri.fsPath } : undefined).then(
      (p) => (typeof p === 'string' && p ? p : undefined),
      () => undefined,
    );
  const before = await selected();
  await vscode.commands.executeCommand('python.setInterpreter');
  const after = await selected();
  if (!after) return;
  // The picker gives no sign of a cancel: the same interpreter as before is confirmed rather than written silently.
  if (after === before && (await vscode.window.showInformationMessage(`SDXL: use ${after} as launch.python in ${name}?`, 'Use It')) !== 'Use It') return;
  const fix: Fix = { title: 'Use the selected Python interpreter', edits: [{ op: 'set', path: '/launch/python', value: after }] };
  await vscode.commands.executeCommand('sdxl.applyRunFix', doc.uri.fsPath, fix);
}
