// Failed runs' diagnoses in Problems, on the configs they were started from. Worked out again from the runs' current
// states whenever a run ends or the list of runs changes, never from the moment of failing, so that after a window
// reload (the monitors re-read every run from byte 0) they are back exactly as before. An edit of a config dismisses
// its runs' diagnoses; the dismissals are kept in the workspace state, so a reload does not bring them back either.
import * as vscode from 'vscode';
import { diagnosedRunsOf, failuresByConfig, type RunOfConfig } from '../../core/view/runFailures';
import type { DiagnosticsController } from '../diagnosticsController';
import type { RunChange, RunsController } from './runsController';

const DISMISSED_KEY = 'sdxl.dismissedRunFailures';

export class RunProblems implements vscode.Disposable {
  private readonly dismissed: Set<string>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly runs: RunsController,
    private readonly diagnostics: DiagnosticsController,
    private readonly memento: vscode.Memento,
  ) {
    const saved = memento.get<unknown>(DISMISSED_KEY);
    this.dismissed = new Set(Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : []);
    this.subscriptions = [
      runs.onDidChange((c) => {
        if (!c || mayChangeProblems(c)) this.update();
      }),
      diagnostics.onDidEditConfigOfRunFailure((uri) => this.dismiss(uri)),
    ];
    this.update();
  }

  private runsOfConfigs(): RunOfConfig[] {
    return this.runs.runs().map((r) => {
      const path = r.entry.record.configPath;
      return { id: r.id, config: path ? vscode.Uri.file(path).toString() : undefined, createdAt: r.entry.record.createdAt, state: r.state };
    });
  }

  private update(): void {
    this.diagnostics.setRunFailures(failuresByConfig(this.runsOfConfigs(), this.dismissed));
  }

  private dismiss(uri: vscode.Uri): void {
    const runs = this.runsOfConfigs();
    for (const id of diagnosedRunsOf(runs, uri.toString())) this.dismissed.add(id);
    // Only runs that still exist are remembered, so the list never outgrows the runs' records.
    const known = new Set(runs.map((r) => r.id));
    for (const id of this.dismissed) if (!known.has(id)) this.dismissed.delete(id);
    void this.memento.update(DISMISSED_KEY, [...this.dismissed]);
    this.update();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Only a run that failed, ended or was diagnosed anew can change what Problems shows (a step cannot). */
function mayChangeProblems(c: RunChange): boolean {
  return c.state.state !== c.previous.state || c.state.exit !== c.previous.exit || c.state.failure !== c.previous.failure;
}
