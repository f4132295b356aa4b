// "Open in TensorBoard": TensorBoard started from the run's own interpreter on its logs dir (core/supervisor/
// tensorboardServer.ts), opened in the Simple Browser; one per logs dir, all stopped with the window. Only when that
// interpreter has no tensorboard package is the command copied instead (with the pip line to install it).
import * as vscode from 'vscode';
import { formatCommandLine } from '../../core/launch/shellQuote';
import { logsDirOf } from '../../core/worker/logsDir';
import { checkTensorBoard, runInterpreter, type TensorBoards } from '../../core/supervisor/tensorboardServer';
import type { RunsController } from './runsController';
import { resolveRunId } from './runCommands';

export async function openInTensorBoard(runs: RunsController, tensorBoards: TensorBoards, arg: unknown): Promise<void> {
  const id = await resolveRunId(runs, arg);
  const run = id ? runs.get(id) : undefined;
  const dir = run?.state.outputDir ?? run?.entry.record.outputDir;
  if (!run || !dir) return;
  if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('SDXL: TensorBoard is started only in a trusted workspace.');
  const logDir = logsDirOf(dir, run.state.args);
  const plan = run.entry.record.plan;
  const python = runInterpreter(plan);
  const env = { ...process.env, ...plan.env };
  const shell = process.platform === 'win32' ? 'powershell' : 'bash';
  const opened = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Starting TensorBoard for ${run.entry.record.name}…` },
    async () => {
      const check = await checkTensorBoard(python, env);
      if (!check.installed) return check;
      return tensorBoards.open({ python, logDir, env });
    },
  );
  if ('server' in opened) {
    await vscode.commands.executeCommand('simpleBrowser.show', opened.server.url);
    return;
  }
  if (!opened.missing) throw new Error(`cannot run the run's interpreter to look for tensorboard: ${opened.reason}`);
  // Quoted for the platform's usual shell: a path with spaces, quotes or `$` pastes as one argument.
  const cmd = formatCommandLine([python, '-m', 'tensorboard', '--logdir', logDir], shell, { multiline: false });
  const pip = formatCommandLine([python, '-m', 'pip', 'install', 'tensorboard'], shell, { multiline: false });
  await vscode.env.clipboard.writeText(cmd);
  void vscode.window.showInformationMessage(
    `SDXL: the run's interpreter has no tensorboard package (\`${pip}\` installs it). Copied "${cmd}" to the clipboard; the dashboard shows the same curves without TensorBoard.`,
  );
}
