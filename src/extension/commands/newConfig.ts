// "SDXL: New Training Config…" and "SDXL: New Config from Command Line…".
import * as vscode from 'vscode';
import { SCRIPT_KINDS, SCRIPTS, type ScriptKind } from '../../core/scripts';
import { PRESETS, configFromPreset, renderConfig } from '../../core/presets';
import { ImportError, importCommandText, type ImportResult } from '../../core/importCommand';
import type { SdxlConfig } from '../../core/config';

export async function newConfig(): Promise<void> {
  const scriptPick = await vscode.window.showQuickPick(
    SCRIPT_KINDS.map((k) => ({ label: k, description: SCRIPTS[k].title, script: k as ScriptKind })),
    { title: 'New training config (1/3): which script?' },
  );
  if (!scriptPick) return;
  const presetPick = await vscode.window.showQuickPick(
    PRESETS.filter((p) => p.script === scriptPick.script).map((p) => ({ label: p.label, description: `${p.gpuGiB} GB`, detail: p.detail, preset: p })),
    { title: 'New training config (2/3): preset by GPU memory' },
  );
  if (!presetPick) return;
  const config = configFromPreset(presetPick.preset);
  await writeNewConfig(config, presetPick.preset.id, [
    `SDXL training config: ${presetPick.preset.label} (${presetPick.preset.detail}).`,
    'Edit values here, or run "SDXL: Configure Argument…". Hover an argument for its help.',
  ]);
}

export async function newConfigFromCommandLine(): Promise<void> {
  // A multi-line command on the clipboard (a README's `export …` lines and `\` continuations) is imported as it is;
  // the input box is for one line.
  const clip = await vscode.env.clipboard.readText();
  let text: string | undefined;
  if (/train_[a-z_]*sdxl\.py/.test(clip)) {
    const lines = clip.trim().split(/\r?\n/);
    const pick = await vscode.window.showQuickPick([
      { label: '$(clippy) Use the command on the clipboard', detail: lines.length > 1 ? `${lines[0]} … (${lines.length} lines)` : lines[0], useClipboard: true },
      { label: '$(edit) Type or paste a command…', useClipboard: false },
    ], { title: 'New config from command line', ignoreFocusOut: true }); // like the input box: fetching the command elsewhere keeps it open
    if (!pick) return;
    if (pick.useClipboard) text = clip;
  }
  text ??= await vscode.window.showInputBox({
    title: 'New config from command line',
    prompt: 'Paste an `accelerate launch …` or `python train_….py …` command',
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() === '' ? 'Paste a command line' : undefined),
  });
  if (!text) return;
  let result: ImportResult;
  try {
    result = importCommandText(undefined, text);
  } catch (e) {
    if (!(e instanceof ImportError) || !/Cannot tell which script/.test(e.message)) throw e;
    const pick = await vscode.window.showQuickPick(SCRIPT_KINDS.map((k) => ({ label: k, description: SCRIPTS[k].title })), {
      title: 'Which script do these arguments belong to?',
    });
    if (!pick) return;
    result = importCommandText(pick.label as ScriptKind, text);
  }
  if (result.warnings.length > 0) {
    void vscode.window.showWarningMessage(`Imported with ${result.warnings.length} note(s): ${result.warnings.join(' ')}`);
  }
  await writeNewConfig(result.config, result.config.script, ['Imported from a command line by "SDXL: New Config from Command Line…".']);
}

async function writeNewConfig(config: SdxlConfig, baseName: string, header: string[]): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = await vscode.window.showInputBox({
    title: 'New training config (3/3): file name',
    value: `${baseName}.sdxl.json`,
    validateInput: (v) => (/^[^\\/:*?"<>|]+\.sdxl\.json$/.test(v) ? undefined : 'A file name ending in .sdxl.json'),
  });
  if (!name) return;
  const content = renderConfig(config, header);
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content });
    await vscode.window.showTextDocument(doc);
    return;
  }
  const uri = vscode.Uri.joinPath(folder, name);
  try {
    await vscode.workspace.fs.stat(uri);
    const choice = await vscode.window.showWarningMessage(`${name} exists. Replace it?`, { modal: true }, 'Replace');
    if (choice !== 'Replace') return;
  } catch {
    // does not exist: fine
  }
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  await vscode.window.showTextDocument(uri);
}
