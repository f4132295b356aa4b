// "SDXL: New Training Config…", and the file-name step every new config ends with.
import * as vscode from 'vscode';
import { SCRIPTS, type ScriptKind } from '../../core/scripts/scriptTables';
import { PRESETS, configFromPreset, presetMemoryNote, presetScriptOrder, renderConfig } from '../../core/config/presets';
import { stepTitles } from '../../core/util/stepTitles';
import type { SdxlConfig } from '../../core/config/config';

/** Returns whether a config was written (false: cancelled), so the walkthrough's step is not marked done by a cancel. */
export async function newConfig(): Promise<boolean> {
  const [scriptTitle, presetTitle, nameTitle] = stepTitles('New training config', ['which script?', 'preset by GPU memory', 'file name']);
  const scriptPick = await vscode.window.showQuickPick(
    presetScriptOrder().map((k) => ({ label: k, description: SCRIPTS[k].title, script: k as ScriptKind })),
    // ignoreFocusOut: started from the walkthrough's button, the walkthrough page took the focus back and closed
    // the next question as it opened; three questions in a row should not be lost to a click elsewhere either.
    { title: scriptTitle, ignoreFocusOut: true },
  );
  if (!scriptPick) return false;
  const presetPick = await vscode.window.showQuickPick(
    PRESETS.filter((p) => p.script === scriptPick.script).map((p) => ({
      label: p.label,
      description: `${p.gpuGiB} GB`,
      detail: `${p.detail}. ${presetMemoryNote(p)}`,
      preset: p,
    })),
    { title: presetTitle, ignoreFocusOut: true },
  );
  if (!presetPick) return false;
  const config = configFromPreset(presetPick.preset);
  const target = await writeNewConfig(
    config,
    presetPick.preset.id,
    [
      `SDXL training config: ${presetPick.preset.label} (${presetPick.preset.detail}).`,
      presetMemoryNote(presetPick.preset),
      'Edit values here, or run "SDXL: Configure Argument…". Hover an argument for its help.',
    ],
    nameTitle!,
  );
  if (!target) return false;
  await showConfig(target);
  return true;
}

/**
 * Asks for the file name (the step titled `nameTitle`) and writes the config into the first workspace folder, or
 * into an untitled document when there is none. Returns what to show, or undefined when the user cancelled.
 */
export async function writeNewConfig(
  config: SdxlConfig,
  baseName: string,
  header: string[],
  nameTitle: string,
): Promise<vscode.Uri | vscode.TextDocument | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = await vscode.window.showInputBox({
    title: nameTitle,
    value: `${baseName}.sdxl.json`,
    ignoreFocusOut: true,
    validateInput: (v) => (/^[^\\/:*?"<>|]+\.sdxl\.json$/.test(v) ? undefined : 'A file name ending in .sdxl.json'),
  });
  if (!name) return undefined;
  const content = renderConfig(config, header);
  if (!folder) return vscode.workspace.openTextDocument({ language: 'jsonc', content });
  const uri = vscode.Uri.joinPath(folder, name);
  try {
    await vscode.workspace.fs.stat(uri);
    const choice = await vscode.window.showWarningMessage(`${name} exists. Replace it?`, { modal: true }, 'Replace');
    if (choice !== 'Replace') return undefined;
  } catch {
    // does not exist: fine
  }
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  return uri;
}

/** Opens a new config as a kept editor (not a preview tab, which the next file opened would replace). */
export async function showConfig(target: vscode.Uri | vscode.TextDocument): Promise<void> {
  if (target instanceof vscode.Uri) await vscode.window.showTextDocument(target, { preview: false });
  else await vscode.window.showTextDocument(target, { preview: false });
}
