// Owns the workspace's generation jobs (images made with a run's weights by python/sdxl_generate.py): a Supervisor
// whose records folder is `.sdxl/generations` (the same detached wrapper as runs), and one GenerationMonitor per job.
// Jobs are found on activation and whenever the records folder changes (a job the CLI or another window started), so
// a reload follows a job still running. Starting, stopping and deleting are for trusted workspaces only; an untrusted
// one lists the jobs read-only. Implements GenerationFeed, what the Runs view and the comparison panel read.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Supervisor } from '../../core/supervisor/supervisor';
import { ownedSamplesFolder } from '../../core/generate/jobs';
import type { RunEntry } from '../../core/supervisor/runRecord';
import { processQuery } from '../../core/supervisor/processTree';
import { RecordsFolderWatch } from '../../core/supervisor/recordsWatch';
import type { ScriptKind } from '../../core/scripts/kinds';
import { GENERATE_SCRIPT, type GenerationSettings, type GenerationState } from '../../core/generate/types';
import { isGenerationEnded } from '../../core/generate/state';
import { redactText, secretsOf, type KnownSecrets } from '../../core/util/redact';
import { errText } from '../../core/util/errText';
import { logFailure, loggingErrors } from '../listenerErrors';
import { setting } from '../settings';
import type { GenerationFeed } from './generationFeed';
import { coreGenerationJobs, type GenerationJobs, type JobMonitor } from './generationJobs';

/** What a job needs from the run it generates for. */
export interface GenerationStart {
  python: string;
  settings: GenerationSettings;
  /** The run's script kind (the job record's plan.script is the training run's). */
  scriptKind: ScriptKind;
  name: string;
  runId?: string;
  runName?: string;
  env?: Record<string, string>;
}

interface Tracked {
  entry: RunEntry;
  monitor: JobMonitor;
  unsubscribe: () => void;
}

export class GenerationsController implements GenerationFeed, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly tracked = new Map<string, Tracked>();
  private supervisor: Supervisor | undefined;
  private watch: RecordsFolderWatch | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Process checks that start no tool (ps, PowerShell) while the workspace is untrusted. */
  private readonly processes = processQuery(() => vscode.workspace.isTrusted);

  constructor(
    /** The extension's root: the wrapper (dist/wrapper.js) and the script (python/sdxl_generate.py) are under it. */
    private readonly extensionRoot: string,
    private readonly output: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>,
    /** Masked in everything shown; a job's own environment adds its secrets. */
    private readonly secrets: KnownSecrets,
    private readonly core: GenerationJobs = coreGenerationJobs,
  ) {}

  private readonly logError = (message: string): void => this.output.error(message);

  /** The workspace folder (a local one: records and images are files), or undefined. */
  get workspaceRoot(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  }

  get recordsDir(): string | undefined {
    const root = this.workspaceRoot;
    return root ? this.core.generationsDir(root) : undefined;
  }

  /** The script every job runs, shipped with the extension. */
  get script(): string {
    return path.join(this.extensionRoot, ...GENERATE_SCRIPT);
  }

  private getSupervisor(): Supervisor | undefined {
    const recordsDir = this.recordsDir;
    if (!recordsDir) return undefined;
    if (!this.supervisor || this.supervisor.recordsDir !== path.resolve(recordsDir)) {
      this.supervisor = new Supervisor({
        recordsDir,
        wrapperScript: path.join(this.extensionRoot, 'dist', 'wrapper.js'),
        execPath: process.execPath,
        graceMs: setting('stopGracePeriodSeconds') * 1000,
        processes: this.processes,
      });
    }
    return this.supervisor;
  }

  jobs(): readonly GenerationState[] {
    return [...this.tracked.values()]
      .map((t) => t.monitor.state)
      .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.jobId.localeCompare(b.jobId));
  }

  get(jobId: string): GenerationState | undefined {
    return this.tracked.get(jobId)?.monitor.state;
  }

  /** The jobs made with one run's weights, oldest first. */
  jobsOfRun(runId: string): GenerationState[] {
    return this.jobs().filter((j) => j.runId === runId);
  }

  /** Finds every job on disk; new ones are followed (a reload re-follows a job still running), gone ones dropped. */
  async refresh(): Promise<void> {
    const sup = this.getSupervisor();
    if (!sup || this.disposed) return;
    let entries: RunEntry[] = [];
    const problems: string[] = [];
    try {
      entries = fs.existsSync(sup.recordsDir) ? await this.core.list(sup, problems) : [];
    } catch (e) {
      this.output.warn(`Generation records: ${errText(e)}`);
      return;
    }
    for (const p of problems) this.output.warn(`Generation records: ${p}`);
    if (this.disposed) return;
    const seen = new Set<string>();
    for (const entry of entries) {
      const id = entry.record.id;
      seen.add(id);
      const t = this.tracked.get(id);
      if (t) t.entry = entry;
      else this.track(entry);
    }
    for (const [id, t] of this.tracked) {
      if (seen.has(id)) continue;
      this.untrack(id, t);
      this.changeEmitter.fire(id);
    }
  }

  private track(entry: RunEntry): void {
    const id = entry.record.id;
    const monitor = this.core.monitor(entry.dir, this.processes);
    const t: Tracked = { entry, monitor, unsubscribe: () => undefined };
    let last = monitor.state.status;
    t.unsubscribe = monitor.onChange(
      loggingErrors(`Generation ${id}: showing its new state`, this.logError, () => {
        this.changeEmitter.fire(id);
        const now = monitor.state.status;
        // The wrapper's queue may have moved on: the record list is read again when a job ends.
        if (isGenerationEnded(now) && !isGenerationEnded(last)) this.scheduleRefresh();
        last = now;
      }),
    );
    this.tracked.set(id, t);
    monitor.start();
    this.changeEmitter.fire(id);
  }

  private untrack(id: string, t: Tracked): void {
    t.unsubscribe();
    t.monitor.dispose();
    this.tracked.delete(id);
  }

  /** Follows jobs another window or the CLI starts (or removes), within a poll of the records folder. */
  watchRecords(): void {
    const dir = this.recordsDir;
    if (!dir || this.watch || this.disposed) return;
    this.watch = new RecordsFolderWatch(dir, () => this.scheduleRefresh());
    this.watch.start();
  }

  private scheduleRefresh(): void {
    if (this.disposed) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => logFailure('Refreshing the generation jobs', this.logError, this.refresh()), 300);
  }

  /** Starts a job; returns its id, or undefined in an untrusted workspace (nothing is started there). */
  async start(req: GenerationStart): Promise<string | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: generating samples is disabled in an untrusted workspace. Trust the workspace to generate.');
      return undefined;
    }
    const root = this.workspaceRoot;
    const sup = this.getSupervisor();
    if (!root || !sup) throw new Error('Open a folder to generate samples: jobs are kept in its .sdxl/generations folder.');
    const secrets = secretsOf([], req.env ?? {});
    this.secrets.add(secrets);
    try {
      const entry = await this.core.start(sup, {
        python: req.python,
        script: this.script,
        settings: req.settings,
        workspaceRoot: root,
        name: req.name,
        scriptKind: req.scriptKind,
        ...(req.runId !== undefined ? { runId: req.runId } : {}),
        ...(req.runName !== undefined ? { runName: req.runName } : {}),
        ...(req.env ? { env: req.env } : {}),
      });
      this.output.info(`Generation ${entry.record.id} started for ${req.runName ?? req.name}`);
      await this.refresh();
      return entry.record.id;
    } catch (e) {
      throw new Error(redactText(errText(e), secrets));
    }
  }

  async stop(jobId: string): Promise<void> {
    // Stopping signals processes: like starting them, for trusted workspaces only (a record may be planted).
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: stopping generation is disabled in an untrusted workspace.');
      return;
    }
    const sup = this.getSupervisor();
    if (!sup) return;
    await this.core.stop(sup, jobId);
    await this.tracked.get(jobId)?.monitor.poll();
  }

  /**
   * The job's output folder when it is one of the workspace's sample folders (`.sdxl/samples/<name>`); a record that
   * names any other folder (planted, or edited by hand) gets nothing removed or revealed there.
   */
  samplesFolderOf(jobId: string): string | undefined {
    const root = this.workspaceRoot;
    return root ? ownedSamplesFolder(root, this.get(jobId)?.outputDir) : undefined;
  }

  /** Removes an ended job's record and its output folder (the images) — nothing else. */
  async delete(jobId: string): Promise<void> {
    const t = this.tracked.get(jobId);
    if (!t) throw new Error(`no generation job ${jobId}`);
    if (!isGenerationEnded(t.monitor.state.status)) throw new Error('Stop the generation before deleting its samples.');
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: deleting samples is disabled in an untrusted workspace.');
      return;
    }
    const sup = this.getSupervisor();
    const root = this.workspaceRoot;
    if (!sup || !root) return;
    await this.core.delete(sup, root, jobId);
    this.untrack(jobId, t);
    this.changeEmitter.fire(jobId);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.refreshTimer);
    this.watch?.dispose();
    // The jobs themselves go on: they are detached from the extension host, and the next window follows them.
    for (const [id, t] of this.tracked) this.untrack(id, t);
    this.changeEmitter.dispose();
  }
}
