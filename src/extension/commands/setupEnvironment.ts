// "SDXL: Set Up Training Environment…": a few questions with defaults, then the core plan (core/env/setupPlan.ts) run
// by the core runner in a terminal the user watches, with Cancel; at the end the config's launch.python and
// launch.scriptPath are offered through sdxl.applyRunFix. Nothing runs in an untrusted workspace.
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SCRIPT_KINDS, type ScriptKind } from '../../core/scripts/kinds';
import { SCRIPT_PROFILES } from '../../core/scripts/profiles';
import { stepTitles } from '../../core/util/stepTitles';
import { DIFFUSERS_RELEASE, EXAMPLE_SCRIPTS, TORCH_VARIANTS, type TorchVariant } from '../../core/env/setupRelease';
import { launchFixOf, planSetup, type ScriptsSource } from '../../core/env/setupPlan';
import { describeSetup, readSetupRecord, setupRecordPath } from '../../core/env/setupRecord';
import { runSetup } from '../../core/env/setupRunner';
import { isConfigDocument, parseDocument, pickConfigDocument } from '../configDocuments';
import { SetupTerminal } from './setupTerminal';

const TITLE = 'Set up training environment';

const TORCH_DESCRIPTIONS: Record<keyof typeof TORCH_VARIANTS, string> = {
  cu121: 'NVIDIA GPU, driver for CUDA 12 (recommended)',
  cu118: 'NVIDIA GPU with an older driver (CUDA 11.8)',
  cpu: 'no GPU: small, for trying things out',
  pypi: "PyPI's own build (Linux: CUDA 12; macOS: Apple GPU)",
};

export async function setupEnvironment(): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    const manage = 'Manage Workspace Trust';
    const pick = await vscode.window.showWarningMessage(
      'SDXL: setting up an environment runs Python and pip, which an untrusted workspace does not allow.',
      manage,
    );
    if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showWarningMessage('SDXL: open a folder first; the environment is created in it (.venv-sdxl).');
    return;
  }
  const active = vscode.window.activeTextEditor?.document;
  const configDoc = active && isConfigDocument(active) ? active : undefined;
  const config = configDoc ? parseDocument(configDoc).config : undefined;

  const questions = [config ? undefined : 'which script?', 'torch build', 'base Python', 'environment folder', 'training script'];
  const titles = stepTitles(
    TITLE,
    questions.filter((q): q is string => q !== undefined),
  );
  let t = 0;

  let kind: ScriptKind | undefined = config?.script;
  if (!kind) {
    const pick = await vscode.window.showQuickPick(
      SCRIPT_KINDS.map((k) => ({ label: SCRIPT_PROFILES[k].label, description: SCRIPT_PROFILES[k].fileName, script: k })),
      { title: titles[t++] },
    );
    if (!pick) return;
    kind = pick.script;
  }

  const variants = (Object.keys(TORCH_VARIANTS) as (keyof typeof TORCH_VARIANTS)[]).map((k) => ({
    label: TORCH_VARIANTS[k].label,
    description: TORCH_DESCRIPTIONS[k],
    variant: TORCH_VARIANTS[k] as TorchVariant,
  }));
  // No CUDA on macOS: PyPI's build is the one that uses the GPU there.
  if (process.platform === 'darwin') variants.unshift(variants.pop()!);
  const torch = await vscode.window.showQuickPick(variants, { title: titles[t++] });
  if (!torch) return;

  const basePython = await vscode.window.showInputBox({
    title: titles[t++],
    prompt: 'The Python 3.8–3.12 that creates the environment (a command on PATH or a path).',
    value: process.platform === 'win32' ? 'python' : 'python3',
    validateInput: (v) => (v.trim() ? undefined : 'A Python command or path'),
  });
  if (!basePython) return;

  const venvInput = await vscode.window.showInputBox({
    title: titles[t++],
    prompt: 'Folder of the new virtual environment (relative to the workspace folder, or absolute).',
    value: '.venv-sdxl',
    validateInput: (v) => (v.trim() ? undefined : 'A folder'),
  });
  if (!venvInput) return;
  const venvDir = path.resolve(folder, venvInput.trim());
  const before = describeSetup(await readSetupRecord(setupRecordPath(venvDir)));
  if (before.state === 'running') {
    void vscode.window.showWarningMessage(`SDXL: ${before.text}`);
    return;
  }
  if (before.state === 'done') {
    const again = await vscode.window.showInformationMessage(`SDXL: ${venvDir} is already set up. ${before.text}`, { modal: true }, 'Set Up Again');
    if (again !== 'Set Up Again') return;
  }

  const scripts = await askScripts(kind, venvDir, titles[t++]!);
  if (!scripts) return;

  const hfHome = config?.launch?.env?.HF_HOME ?? process.env.HF_HOME;
  const plan = planSetup({
    platform: process.platform === 'win32' ? 'win32' : 'posix',
    basePython: basePython.trim(),
    venvDir,
    kind,
    torch: torch.variant,
    scripts,
    ...(hfHome ? { env: { HF_HOME: hfHome } } : {}),
  });

  const ac = new AbortController();
  const pty = new SetupTerminal(() => ac.abort());
  const terminal = vscode.window.createTerminal({ name: 'SDXL Setup', pty, iconPath: new vscode.ThemeIcon('tools') });
  terminal.show();
  await pty.opened;
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SDXL: setting up ${path.basename(venvDir)}`, cancellable: true },
    (progress, token) => {
      token.onCancellationRequested(() => ac.abort());
      return runSetup(plan, {
        onOutput: (text) => pty.write(text),
        signal: ac.signal,
        onStep: (i, s) => progress.report({ message: `(${i + 1}/${plan.steps.length}) ${s.title}` }),
      });
    },
  );

  if (outcome.status === 'cancelled') {
    void vscode.window.showWarningMessage(`SDXL: ${outcome.message}`);
    return;
  }
  if (outcome.status === 'failed') {
    const show = 'Show Terminal';
    if ((await vscode.window.showErrorMessage(`SDXL: ${outcome.message}`, show)) === show) terminal.show();
    return;
  }
  pty.write('\r\nYou can close this terminal.\r\n');
  const use = configDoc ? `Use in ${path.basename(configDoc.uri.fsPath)}` : 'Use in a Config…';
  const pick = await vscode.window.showInformationMessage(
    `SDXL: the training environment is ready (diffusers ${DIFFUSERS_RELEASE}). Set launch.python and launch.scriptPath to it?`,
    use,
  );
  if (pick !== use) return;
  const doc = configDoc ?? (await pickConfigDocument());
  if (doc) await vscode.commands.executeCommand('sdxl.applyRunFix', doc.uri.fsPath, launchFixOf(plan));
}

/** Download at the release (default), or the user's clone, checked here so a wrong folder is said at once. */
async function askScripts(kind: ScriptKind, venvDir: string, title: string): Promise<ScriptsSource | undefined> {
  const example = EXAMPLE_SCRIPTS[kind];
  const dir = path.join(venvDir, 'diffusers-examples');
  const pick = await vscode.window.showQuickPick(
    [
      { label: `Download ${example.file} at v${DIFFUSERS_RELEASE}`, description: `into ${dir}`, clone: false },
      { label: 'Use My Clone of diffusers…', description: `checked out at v${DIFFUSERS_RELEASE}`, clone: true },
    ],
    { title },
  );
  if (!pick) return undefined;
  if (!pick.clone) return { from: 'download', dir };
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Use This Clone',
    title: 'The root folder of your diffusers clone',
  });
  const root = picked?.[0]?.fsPath;
  if (!root) return undefined;
  const script = path.join(root, 'examples', example.dir, example.file);
  const isFile = await fs.stat(script).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    void vscode.window.showErrorMessage(
      `SDXL: ${path.join('examples', example.dir, example.file)} is not in ${root}. Pick the root folder of a diffusers clone.`,
    );
    return undefined;
  }
  return { from: 'clone', root };
}
