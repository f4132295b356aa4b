// "SDXL: Generate Samples…" and the sample rows' commands (Stop Generation, Reveal Samples Folder, Delete Samples).
// A job runs the run's own interpreter (its plan's python, or the one beside its accelerate: runInterpreter), is
// followed in a progress notification whose Cancel stops it, and ends with Open Comparison / Open Folder.
import * as vscode from 'vscode';
import { runInterpreter } from '../../core/supervisor/tensorboardServer';
import { mergeSecrets } from '../../core/supervisor/secrets';
import type { GenerationSettings, GenerationState } from '../../core/generate/types';
import { describeSettings } from '../../core/generate/sampleQuestions';
import type { RunsController, RunView } from '../runs/runsController';
import type { RunsNode } from '../views/runsView';
import { RUN_PICK_MATCHING, runPickItem } from '../runs/runPick';
import type { CommandHandler } from '../commandTable';
import { askGenerationSettings } from './sampleQuestions';
import type { GenerationsController } from './generationsController';
import { isGenerationEnded } from '../../core/generate/state';

/** The settings a run offers (every source it has weights for, defaults from its args), or why it offers none. */
export type RunSampleDefaults = (run: RunView) => Promise<GenerationSettings | { problem: string }>;

/** The comparison panel's command (part V registers it), run with a job id. */
export const COMPARE_SAMPLES_COMMAND = 'sdxl.compareSamples';

const ENDED_RUN = new Set(['finished', 'failed', 'stopped']);

export interface GenerateDeps {
  runs: RunsController;
  generations: GenerationsController;
  defaults: RunSampleDefaults;
  /** Selects a sample job's row in the Runs view. */
  reveal?: (runId: string) => void;
  /** Asks the questions (a test answers them). */
  ask?: typeof askGenerationSettings;
}

/** A run id from a Runs view node, a dashboard/notification's id string, or a pick among the runs with weights. */
async function runForSamples(d: GenerateDeps, arg: unknown): Promise<{ run: RunView; defaults: GenerationSettings } | undefined> {
  let id: string | undefined;
  if (typeof arg === 'string') id = arg;
  else if (arg && typeof arg === 'object') {
    const n = arg as RunsNode;
    if (n.kind === 'run') id = n.id;
    else if (n.kind === 'checkpoint') id = n.runId;
  }
  if (id) {
    const run = d.runs.get(id);
    if (!run) throw new Error(`no run ${id}`);
    if (!ENDED_RUN.has(run.state.state)) throw new Error(`run "${d.runs.displayName(id)}" is ${run.state.state}: samples are made once it has ended.`);
    const defaults = await d.defaults(run);
    if ('problem' in defaults) throw new Error(`run "${d.runs.displayName(id)}": ${defaults.problem}`);
    return { run, defaults };
  }
  const offers = await Promise.all(
    d.runs
      .runs()
      .filter((run) => ENDED_RUN.has(run.state.state))
      .map(async (run) => ({ run, defaults: await d.defaults(run) })),
  );
  const candidates = offers.flatMap(({ run, defaults }) =>
    'problem' in defaults || !defaults.sources.some((s) => s.kind !== 'base') ? [] : [{ run, defaults }],
  );
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('SDXL: no ended run has weights (a complete checkpoint or final weights) to generate samples with.');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((c) => runPickItem(d.runs, c.run)),
    { title: 'Generate samples with which run?', placeHolder: 'Type a name, id, start time or #tag', ...RUN_PICK_MATCHING },
  );
  return pick ? candidates.find((c) => c.run.id === pick.id) : undefined;
}

/** Follows a job in a notification until it ends; Cancel stops it. Resolves with its last state. */
export function followJob(generations: GenerationsController, jobId: string, title: string): Thenable<GenerationState | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    return new Promise<GenerationState | undefined>((resolve) => {
      let reported = 0;
      const update = () => {
        const j = generations.get(jobId);
        if (!j) return;
        const done = j.images.length;
        const pct = j.total > 0 ? (done / j.total) * 100 : 0;
        const step = j.current ? ` · ${j.current.source} step ${j.current.step}/${j.current.steps}` : '';
        progress.report({
          message: `${done}/${j.total || '?'} images${j.status === 'loading' ? ' · loading' : ''}${step}`,
          increment: Math.max(0, pct - reported),
        });
        reported = Math.max(reported, pct);
        if (isGenerationEnded(j.status)) finish(j);
      };
      const sub = generations.onDidChange((id) => {
        if (id === jobId) update();
      });
      const cancel = token.onCancellationRequested(() => {
        void generations.stop(jobId).catch(() => undefined);
      });
      let ended = false;
      function finish(j: GenerationState | undefined) {
        if (ended) return;
        ended = true;
        sub.dispose();
        cancel.dispose();
        resolve(j);
      }
      update();
    });
  });
}

async function generateSamples(d: GenerateDeps, arg: unknown): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('SDXL: generating samples is disabled in an untrusted workspace. Trust the workspace to generate.');
    return false;
  }
  const chosen = await runForSamples(d, arg);
  if (!chosen) return false;
  const { run } = chosen;
  const name = d.runs.displayName(run.id);
  const settings = await (d.ask ?? askGenerationSettings)(name, chosen.defaults);
  if (!settings) return false;
  const plan = run.entry.record.plan;
  const jobId = await d.generations.start({
    python: runInterpreter(plan),
    settings,
    scriptKind: run.entry.record.script,
    name: `samples of ${name}`,
    runId: run.id,
    runName: name,
    // The run's environment (HF_HOME, HF_ENDPOINT…) as run.json keeps it: its secrets are placeholders there, left out.
    env: mergeSecrets(plan.env, {}).env,
  });
  if (!jobId) return false;
  d.reveal?.(run.id);
  void followJob(d.generations, jobId, `SDXL: samples of "${name}" (${describeSettings(settings)})`).then((j) => endMessage(d.generations, jobId, j));
  return true;
}

async function endMessage(generations: GenerationsController, jobId: string, j: GenerationState | undefined): Promise<void> {
  if (!j) return;
  const folder = generations.samplesFolderOf(jobId);
  const actions = ['Open Comparison', ...(folder ? ['Open Folder'] : [])];
  const text = `SDXL: samples ${j.status}: ${j.images.length}/${j.total} images${j.status === 'failed' && j.error ? ` — ${j.error.split('\n')[0]}` : ''}.`;
  const choice = await (j.status === 'failed' ? vscode.window.showErrorMessage(text, ...actions) : vscode.window.showInformationMessage(text, ...actions));
  if (choice === 'Open Comparison') await vscode.commands.executeCommand(COMPARE_SAMPLES_COMMAND, jobId);
  else if (choice === 'Open Folder' && folder) await revealFolder(folder);
}

async function revealFolder(dir: string): Promise<void> {
  await vscode.commands
    .executeCommand('revealInExplorer', vscode.Uri.file(dir))
    .then(undefined, () => vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir)));
}

/** A sample row's job id (the Runs view passes its node; the comparison panel or a test an id). */
function jobIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && (arg as RunsNode).kind === 'samples') return (arg as Extract<RunsNode, { kind: 'samples' }>).jobId;
  return undefined;
}

/** Asks which job when a command comes from the palette. */
async function pickJob(generations: GenerationsController, arg: unknown, filter: (j: GenerationState) => boolean, title: string): Promise<string | undefined> {
  const id = jobIdOf(arg);
  if (id) return id;
  const jobs = generations.jobs().filter(filter);
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('SDXL: no matching sample jobs.');
    return undefined;
  }
  if (jobs.length === 1) return jobs[0]!.jobId;
  const pick = await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.name, description: `${j.status} · ${j.images.length}/${j.total}`, detail: j.jobId, id: j.jobId })),
    { title, matchOnDescription: true, matchOnDetail: true },
  );
  return pick?.id;
}

export function generateCommands(d: GenerateDeps): Record<string, CommandHandler> {
  const g = d.generations;
  return {
    'sdxl.generateSamples': (arg?: unknown) => generateSamples(d, arg),
    'sdxl.stopGeneration': async (arg?: unknown) => {
      const id = await pickJob(g, arg, (j) => !isGenerationEnded(j.status), 'Stop which sample job?');
      if (id) await g.stop(id);
    },
    'sdxl.revealSamplesFolder': async (arg?: unknown) => {
      const id = await pickJob(g, arg, () => true, 'Reveal the folder of which sample job?');
      if (!id) return;
      const folder = g.samplesFolderOf(id);
      if (!folder) return void vscode.window.showWarningMessage(`SDXL: sample job ${id} has no folder under .sdxl/samples.`);
      await revealFolder(folder);
    },
    'sdxl.deleteSamples': async (arg?: unknown) => {
      const id = await pickJob(g, arg, (j) => isGenerationEnded(j.status), 'Delete the samples of which job?');
      if (!id) return;
      const folder = g.samplesFolderOf(id);
      const ok = await vscode.window.showWarningMessage(
        `Delete sample job ${id}${folder ? ` and its images (${vscode.workspace.asRelativePath(folder)})` : ''}? The run and its weights are kept.`,
        { modal: true },
        'Delete Samples',
      );
      if (ok === 'Delete Samples') await g.delete(id);
    },
  };
}
