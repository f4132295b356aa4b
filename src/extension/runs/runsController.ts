// Owns the workspace's training runs: the supervisor that starts and stops them, and one RunMonitor per run that
// turns its files into a RunState. Every view (tree, status bar, Problems, dashboard) listens to onDidChange.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Supervisor, type RunMeta } from '../../core/supervisor/supervisor';
import { PreflightError } from '../../core/supervisor/preflight';
import { workspaceRecordsDir, type RunEntry } from '../../core/supervisor/runRecord';
import { commandSlurmClient } from '../../core/supervisor/slurmClient';
import { processQuery } from '../../core/supervisor/processTree';
import { RecordsFolderWatch } from '../../core/supervisor/recordsWatch';
import { RunMonitor } from '../../core/monitor/runMonitor';
import { claimOutputDir, nextFreeOutputDir, pickResumeCheckpoint, withOutputDir } from '../../core/supervisor/ownership';
import { outputDirOf } from '../../core/launch/planArgs';
import { setArgumentEdits } from '../../core/config/editConfig';
import { askAboutOutputDir } from './outputDirPrompt';
import { rangeFromOffsets } from '../configDocuments';
import { isEnded, type RunState } from '../../core/run/state';
import { describeRun } from '../../core/view/format';
import { labelledName, runLabel, shownRunState } from '../../core/view/runList';
import { isSimulated } from './simulation';
import type { RunEvent } from '../../core/run/events';
import { buildLaunchPlan } from '../../core/launch/launchPlan';
import { parseConfigText } from '../../core/config/config';
import { validateConfig } from '../../core/diagnostics';
import { startWithErrorsQuestion } from '../../core/diagnostics/startGate';
import { redactArgv, redactText, secretsOf, type KnownSecrets } from '../../core/util/redact';
import { secretsOfConfig } from '../../core/supervisor/configSecrets';
import { runTokenEnv, type HubToken } from '../../core/hub/token';
import type { GpuInventory } from '../gpus';
import { onDidChangeSettings, setting } from '../settings';
import type { SettingKey } from '../settingsTable';
import { logFailure, loggingErrors } from '../listenerErrors';
import { errText } from '../../core/util/errText';
import { editLabels, LABELS_STAMP, type LabelsEdit } from '../../core/supervisor/runLabels';

export interface RunView {
  id: string;
  entry: RunEntry;
  state: RunState;
  /** Directory of the run record (`.sdxl/runs/<id>`). */
  dir: string;
  /** The monitors' image cache: this run's images and CLIP scores are in `<imageCacheDir>/<id>/`. */
  imageCacheDir: string;
}

export interface RunChange {
  id: string;
  state: RunState;
  previous: RunState;
  events: RunEvent[];
}

interface Tracked {
  entry: RunEntry;
  monitor: RunMonitor;
  unsubscribe: () => void;
  previous: RunState;
}

export class RunsController implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunChange | undefined>();
  /** Fires for one run's change, or with undefined when the list of runs changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly tracked = new Map<string, Tracked>();
  /** How many tracked runs bear each name, for displayName; cleared whenever `tracked` changes. */
  private nameCounts: Map<string, number> | undefined;
  private supervisor: Supervisor | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Process checks that start no tool (PowerShell, ps) while the workspace is untrusted. */
  private readonly processes = processQuery(() => vscode.workspace.isTrusted);
  /** sbatch / scontrol / scancel for runs of the slurm profile: none is run in an untrusted workspace either. */
  private readonly slurm = commandSlurmClient({ maySpawn: () => vscode.workspace.isTrusted });
  /** Runs queued elsewhere that the user was asked about in this window (asked once each). */
  private readonly askedForeign = new Set<string>();
  /** Records another window or process created or removed (see recordsWatch.ts). */
  private recordsWatch: RecordsFolderWatch | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly gpus: GpuInventory,
    /** Masked in every text shown (monitors' states, log lines, errors); plans started here add theirs. */
    readonly secrets: KnownSecrets,
    /** The Hugging Face token in use (hub/hubController.ts): a signed-in one is passed to runs as HF_TOKEN. */
    private readonly hubToken: () => Promise<HubToken | undefined> = async () => undefined,
  ) {
    this.settingsWatch = onDidChangeSettings(
      loggingErrors('Runs: applying changed settings', this.logError, (changed: ReadonlySet<SettingKey>) => {
        // The supervisor keeps its grace period: the next one made reads the new value.
        if (changed.has('stopGracePeriodSeconds')) this.supervisor = undefined;
        if (changed.has('nvidiaSmiPath') || changed.has('hangFactor')) {
          const now = this.monitorSettings();
          for (const t of this.tracked.values()) t.monitor.updateOptions(now);
        }
      }),
    );
    // Granting trust allows nvidia-smi: monitors already following a run start sampling the GPU then, not at a reload.
    this.trustWatch = vscode.workspace.onDidGrantWorkspaceTrust(
      loggingErrors('Runs: applying workspace trust', this.logError, () => {
        const now = this.monitorSettings();
        for (const t of this.tracked.values()) t.monitor.updateOptions(now);
      }),
    );
  }

  private readonly logError = (message: string): void => this.output.error(message);

  private readonly settingsWatch: vscode.Disposable;
  private readonly trustWatch: vscode.Disposable;

  /** What a RunMonitor takes from the settings (no nvidia-smi in an untrusted workspace: it is a program to run). */
  private monitorSettings(): { nvidiaSmi: string | false; hangFactor: number } {
    return { nvidiaSmi: vscode.workspace.isTrusted ? setting('nvidiaSmiPath') : false, hangFactor: setting('hangFactor') };
  }

  /** Validation images and thumbnails of every run: the one folder the dashboard webview may load files from. */
  get imagesRoot(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? path.join(folder.uri.fsPath, '.sdxl', 'images') : undefined;
  }

  /** Where the monitors cut validation images: `<this>/<run id>/…` (layout: core/worker/validationImages.ts). */
  private get imageCacheDir(): string {
    return this.imagesRoot ?? path.join(this.recordsDir ?? '.', '..', 'images');
  }

  /** One run's images (and its CLIP scores). */
  private imageDirOf(id: string): string {
    return path.join(this.imageCacheDir, id);
  }

  get recordsDir(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? workspaceRecordsDir(folder.uri.fsPath) : undefined;
  }

  private supervisorGpus: number | undefined;
  /** The nvidia-smi the current supervisor's queue asks (the sdxl.nvidiaSmiPath setting; none when untrusted). */
  private supervisorSmi: string | undefined;

  /**
   * The supervisor for the workspace's records. `totalGpus` (from nvidia-smi) lets the queue place runs on free GPUs;
   * unknown, queued runs go one at a time.
   */
  private getSupervisor(totalGpus?: number): Supervisor | undefined {
    const recordsDir = this.recordsDir;
    if (!recordsDir) return undefined;
    const gpus = totalGpus ?? this.supervisorGpus;
    const smi = this.monitorSettings().nvidiaSmi || undefined;
    if (!this.supervisor || this.supervisor.recordsDir !== path.resolve(recordsDir) || gpus !== this.supervisorGpus || smi !== this.supervisorSmi) {
      const graceSec = setting('stopGracePeriodSeconds');
      this.supervisorGpus = gpus;
      this.supervisorSmi = smi;
      this.supervisor = new Supervisor({
        recordsDir,
        wrapperScript: this.context.asAbsolutePath(path.join('dist', 'wrapper.js')),
        execPath: process.execPath,
        graceMs: graceSec * 1000,
        processes: this.processes,
        ...(gpus !== undefined ? { totalGpus: gpus } : {}),
        ...(smi ? { nvidiaSmi: smi } : {}),
        slurm: this.slurm,
      });
    }
    return this.supervisor;
  }

  /** Finds every run on disk (live ones are followed again: this is how a reload reattaches). */
  async refresh(): Promise<void> {
    const sup = this.getSupervisor();
    if (!sup) return;
    const problems: string[] = [];
    let entries: RunEntry[] = [];
    try {
      entries = fs.existsSync(sup.recordsDir) ? await sup.list(problems) : [];
    } catch (e) {
      problems.push(errText(e));
    }
    for (const p of problems) this.output.warn(`Run records: ${p}`);
    const seen = new Set<string>();
    let listChanged = false;
    for (const entry of entries) {
      seen.add(entry.record.id);
      const t = this.tracked.get(entry.record.id);
      if (t) {
        if (t.entry.record.name !== entry.record.name) this.nameCounts = undefined;
        // The row's label says these: a change is a change of the list.
        if (!!t.entry.unreadable !== !!entry.unreadable || !!t.entry.foreign !== !!entry.foreign) listChanged = true;
        t.entry = entry;
        // An ended run's monitor reads nothing more: labels another window or the CLI wrote are picked up here.
        if (isEnded(t.monitor.state)) logFailure(`Run ${entry.record.id}: reading its labels`, this.logError, t.monitor.rereadLabels());
        continue;
      }
      this.track(entry);
      listChanged = true;
    }
    for (const [id, t] of this.tracked) {
      if (!seen.has(id)) {
        t.unsubscribe();
        t.monitor.stop();
        this.tracked.delete(id);
        this.nameCounts = undefined;
        listChanged = true;
      }
    }
    if (listChanged) this.changeEmitter.fire(undefined);
    // Queued runs are started by the wrappers of finishing runs; this catches runs queued while nothing ran.
    // Starting processes is for trusted workspaces only (a cloned repo could carry queued records).
    if (!vscode.workspace.isTrusted) return;
    try {
      await sup.pump();
    } catch (e) {
      this.output.warn(`Queue: ${errText(e)}`);
    }
    // Queued runs this machine did not create (a record committed to the repository, another machine's queue) wait
    // for the user's word: the queue never starts them by itself.
    for (const entry of entries) {
      if (entry.foreign && entry.record.state === 'queued' && !this.askedForeign.has(entry.record.id)) {
        this.askedForeign.add(entry.record.id);
        logFailure(`Asking about run ${entry.record.id} (queued elsewhere)`, this.logError, this.askAboutForeign(entry));
      }
    }
  }

  /** "Run X was queued elsewhere …": Start it (sealed as this machine's, then queued as usual) or Remove it. */
  private async askAboutForeign(entry: RunEntry): Promise<void> {
    const { record } = entry;
    const command = redactArgv(record.plan.argv).join(' ');
    const shown = command.length > 400 ? `${command.slice(0, 400)}…` : command;
    const choice = await vscode.window.showWarningMessage(
      `SDXL: run "${record.name}" (${record.id}) was queued elsewhere: this machine did not create its record, so it is not started by itself. It would run in ${record.plan.cwd}: ${shown}`,
      'Start It',
      'Remove It',
    );
    const sup = this.getSupervisor();
    if (!choice || !sup || !vscode.workspace.isTrusted) return;
    try {
      if (choice === 'Start It') {
        const pump = await sup.acceptQueued(record.id);
        this.output.info(`Run ${record.id} (queued elsewhere) accepted: ${pump.started.includes(record.id) ? 'started' : 'queued'}`);
      } else {
        await sup.stop(record.id);
        this.output.info(`Run ${record.id} (queued elsewhere) removed from the queue`);
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`SDXL: ${redactText(errText(e), secretsOf(record.plan.argv, record.plan.env))}`);
    }
    await this.refresh();
  }

  private track(entry: RunEntry): Tracked {
    const monitor = new RunMonitor({
      recordDir: entry.dir,
      imageCacheDir: this.imageCacheDir,
      ...this.monitorSettings(),
      processes: this.processes,
      secrets: this.secrets.list,
      slurm: this.slurm,
    });
    const t: Tracked = { entry, monitor, unsubscribe: () => undefined, previous: monitor.state };
    // The monitor swallows what its listeners throw (it must go on polling): logged here, with the run it was for.
    t.unsubscribe = monitor.onDidChange(
      loggingErrors(`Run ${entry.record.id}: showing its new state`, this.logError, (state, events) => {
        const previous = t.previous;
        t.previous = state;
        // A rename changes which names are shared (and so how every run of that name reads).
        if (state.labels?.name !== previous.labels?.name) this.nameCounts = undefined;
        this.changeEmitter.fire({ id: entry.record.id, state, previous, events });
        if (isEnded(state) && !isEnded(previous)) this.scheduleRefresh();
      }),
    );
    this.tracked.set(entry.record.id, t);
    this.nameCounts = undefined;
    monitor.start();
    return t;
  }

  /** Picks up runs that another window, the CLI or a queue pump created or removed, and relabels, within RECORDS_POLL_MS. */
  watchRecords(): void {
    const dir = this.recordsDir;
    if (!dir || this.recordsWatch) return;
    this.recordsWatch = new RecordsFolderWatch(dir, () => this.scheduleRefresh(), undefined, [LABELS_STAMP]);
    this.recordsWatch.start();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => logFailure('Refreshing the runs', this.logError, this.refresh()), 300);
  }

  runs(): RunView[] {
    return [...this.tracked.values()].map((t) => this.view(t)).sort((a, b) => b.entry.record.createdAt.localeCompare(a.entry.record.createdAt));
  }

  /** How lists and legends name a run: see runLabel (runDisplayName, and `[simulation] ` unless the name says it). */
  displayName(id: string): string {
    const tracked = this.tracked.get(id);
    if (!tracked) return id;
    const record = tracked.entry.record;
    // Counted once per change of the run list or of a name, not per call: the tree and the dashboard ask for every run.
    if (!this.nameCounts) {
      this.nameCounts = new Map();
      for (const t of this.tracked.values()) {
        const n = labelledName(t.entry.record.name, t.monitor.state);
        this.nameCounts.set(n, (this.nameCounts.get(n) ?? 0) + 1);
      }
    }
    const name = labelledName(record.name, tracked.monitor.state);
    const shared = (this.nameCounts.get(name) ?? 0) > 1;
    return runLabel(name, record.createdAt, shared, isSimulated(record));
  }

  get(id: string): RunView | undefined {
    const t = this.tracked.get(id);
    return t ? this.view(t) : undefined;
  }

  monitorOf(id: string): RunMonitor | undefined {
    return this.tracked.get(id)?.monitor;
  }

  private view(t: Tracked): RunView {
    const state = shownRunState(t.entry.record.state, t.monitor.state);
    return { id: t.entry.record.id, entry: t.entry, state, dir: t.entry.dir, imageCacheDir: this.imageCacheDir };
  }

  /** Starts (or queues, when the GPUs are busy) a run of the config. */
  async start(configUri: vscode.Uri): Promise<RunView | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: training runs are disabled in an untrusted workspace. Trust the workspace to start runs.');
      return undefined;
    }
    const gpus = await this.gpus.get();
    const sup = this.getSupervisor(gpus && gpus.length > 0 ? gpus.length : undefined);
    if (!sup) throw new Error('Open a folder to start training runs: run records are kept in its .sdxl/runs folder.');
    const doc = await vscode.workspace.openTextDocument(configUri);
    if (doc.isDirty) await doc.save();
    const parsed = parseConfigText(doc.getText());
    if (!parsed.config) throw new Error(`${vscode.workspace.asRelativePath(configUri)}: ${parsed.problems[0]?.message ?? 'not a valid training config'}`);
    if (!(await this.confirmDespiteErrors(doc, gpus))) return undefined;
    let plan = buildLaunchPlan(parsed.config, configUri.fsPath);
    plan = { ...plan, env: { ...plan.env, ...runTokenEnv(plan.env, await this.hubToken()) } };
    const meta: RunMeta = { name: parsed.config.name ?? path.basename(configUri.fsPath).replace(/\.sdxl\.json$/, ''), configPath: configUri.fsPath };
    const secrets = secretsOf(plan.argv, plan.env);
    this.secrets.add(secrets);
    try {
      const runs = await sup.list();
      // A folder holding another run's files is never shared silently (ownership.ts).
      const claim = claimOutputDir(outputDirOf(plan), runs);
      let continues: { id: string; checkpoint: string } | undefined;
      if (claim.kind === 'taken') {
        const owner = claim.byRunId ? this.tracked.get(claim.byRunId) : undefined;
        const continueFrom =
          owner && !claim.live
            ? await this.pickCheckpoint(owner.entry.record.id).then(
                (c) => c.name,
                () => undefined,
              )
            : undefined;
        const next = nextFreeOutputDir(plan, runs);
        const choice = await askAboutOutputDir({
          claim,
          outputDirText: path.relative(plan.cwd, outputDirOf(plan)) || '.',
          newDirText: path.relative(plan.cwd, next.dir) || next.dir,
          ...(owner ? { ownerText: `"${this.displayName(owner.entry.record.id)}" (${describeRun(owner.monitor.state)})` } : {}),
          ...(continueFrom ? { continueFrom } : {}),
        });
        if (!choice) return undefined;
        if (choice.kind === 'continue') continues = { id: owner!.entry.record.id, checkpoint: continueFrom! };
        else {
          if (choice.save) await saveOutputDir(doc, next.text);
          plan = withOutputDir(plan, next.text);
          meta.outputDir = next.dir;
        }
      }
      // A Slurm run waits in Slurm's queue, not behind this machine's runs: the Supervisor submits it now.
      const live = plan.slurm ? [] : (await sup.live()).filter((e) => e.record.state === 'running' || e.record.state === 'starting');
      const entry = continues
        ? await sup.resume(continues.id, () => continues.checkpoint, meta, plan)
        : live.length > 0
          ? (await sup.enqueue(plan, meta)).entry
          : await sup.start(plan, meta);
      this.output.info(`Run ${entry.record.id} ${entry.record.state === 'queued' ? 'queued' : 'started'}: ${redactArgv(entry.record.plan.argv).join(' ')}`);
      await this.refresh();
      return this.get(entry.record.id);
    } catch (e) {
      // Error messages may quote the command line; the Hub token must not reach a notification or the log.
      if (e instanceof PreflightError) {
        // Kept a PreflightError (its problems say which actions to offer), with every message redacted.
        const refused = new PreflightError(e.problems.map((p) => ({ ...p, message: redactText(p.message, secrets) })));
        this.output.warn(`Run of ${vscode.workspace.asRelativePath(configUri)} refused: ${refused.message}`);
        throw refused;
      }
      throw new Error(redactText(errText(e), secrets));
    }
  }

  /** Asks before starting a config whose diagnostics hold errors (the Problems panel's check, GPUs included). */
  private async confirmDespiteErrors(doc: vscode.TextDocument, gpus: Awaited<ReturnType<GpuInventory['get']>>): Promise<boolean> {
    const diagnostics = validateConfig(doc.getText(), { configPath: doc.uri.fsPath, listDir: readDir, ...(gpus ? { gpus } : {}) });
    const question = startWithErrorsQuestion(path.basename(doc.uri.fsPath), diagnostics);
    if (!question) return true;
    const choice = await vscode.window.showWarningMessage(question, { modal: true }, 'Show Problems', 'Start Anyway');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    return choice === 'Start Anyway';
  }

  /** The checkpoint a resume of `id` may use: its own or its lineage's, on disk and complete (pickResumeCheckpoint). */
  private async pickCheckpoint(id: string, want?: string) {
    const sup = this.getSupervisor();
    if (!sup) throw new Error('no workspace folder');
    return pickResumeCheckpoint({ runId: id, runs: await sup.list(), stateOf: (runId) => this.tracked.get(runId)?.monitor.state, ...(want ? { want } : {}) });
  }

  async stop(id: string): Promise<void> {
    // Stop signals processes: like starting them, it is for trusted workspaces only (a record may be planted).
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: stopping runs is disabled in an untrusted workspace. Trust the workspace to stop runs.');
      return;
    }
    const sup = this.getSupervisor();
    if (!sup) return;
    const record = await sup.stop(id);
    // Ended some other way (or its record names no process of ours): say how, rather than nothing.
    if (record.state !== 'stopped' && record.note) void vscode.window.showInformationMessage(`SDXL: run ${id} ${record.state}: ${record.note}`);
    await this.refresh();
  }

  /** Resumes from a given checkpoint, or from the newest complete one. */
  async resume(id: string, checkpointName?: string): Promise<RunView | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: training runs are disabled in an untrusted workspace. Trust the workspace to resume runs.');
      return undefined;
    }
    const sup = this.getSupervisor();
    if (!sup) return undefined;
    // Checked before anything is launched: the checkpoint must be this run's (or a run it continues), on disk, complete.
    const choice = await this.pickCheckpoint(id, checkpointName);
    // The resume gets the config's secrets again (run.json keeps none): masked in its views like a start's.
    const fromConfig = secretsOfConfig(this.tracked.get(id)?.entry.record.configPath);
    const secrets = { ...runTokenEnv(fromConfig, await this.hubToken()), ...fromConfig };
    this.secrets.add(Object.values(secrets));
    const entry = await sup.resume(id, () => choice.name, { secrets });
    await this.refresh();
    return this.get(entry.record.id);
  }

  /** Renames, notes or tags a run (its record folder's labels.json); every view shows it once the monitor read it. */
  async editLabels(id: string, edit: LabelsEdit): Promise<void> {
    const t = this.tracked.get(id);
    if (!t) throw new Error(`no run ${id}`);
    await editLabels(t.entry.dir, edit);
    await t.monitor.rereadLabels();
  }

  async deleteRecord(id: string): Promise<void> {
    const t = this.tracked.get(id);
    if (t && !isEnded(t.monitor.state)) throw new Error('Stop the run before deleting its record.');
    const sup = this.getSupervisor();
    if (!sup) return;
    const dir = sup.dirOf(id);
    t?.unsubscribe();
    t?.monitor.stop();
    this.tracked.delete(id);
    this.nameCounts = undefined;
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.rm(this.imageDirOf(id), { recursive: true, force: true });
    this.changeEmitter.fire(undefined);
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.settingsWatch.dispose();
    this.trustWatch.dispose();
    this.recordsWatch?.dispose();
    for (const t of this.tracked.values()) {
      t.unsubscribe();
      t.monitor.stop(); // the runs themselves go on: they are detached from the extension host
    }
    this.tracked.clear();
    this.changeEmitter.dispose();
  }
}

function readDir(abs: string): string[] | undefined {
  try {
    return fs.readdirSync(abs);
  } catch {
    return undefined;
  }
}

/** Writes the new output_dir into the config (one undo step) and saves it, so the next Start uses it as well. */
async function saveOutputDir(doc: vscode.TextDocument, outputDirText: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  for (const e of setArgumentEdits(doc.getText(), 'output_dir', outputDirText)) edit.replace(doc.uri, rangeFromOffsets(doc, e.offset, e.length), e.content);
  if (!(await vscode.workspace.applyEdit(edit)) || !(await doc.save()))
    throw new Error(`could not save output_dir "${outputDirText}" into ${vscode.workspace.asRelativePath(doc.uri)}`);
}
