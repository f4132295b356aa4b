// The editor's side of CLIP scoring of runs' validation images (runScoring.ts): on while the
// `sdxl.clip.scoreValidationImages` setting is on and the workspace trusted (scoring loads a model, which may be a
// download), woken by every run change, a changed setting and granted trust.
import * as vscode from 'vscode';
import type { RunsController } from '../runs/runsController';
import { onDidChangeSettings, setting } from '../settings';
import type { SettingKey } from '../settingsTable';
import { loggingErrors } from '../listenerErrors';
import { RunScoring, type ClipScorerSource } from './runScoring';

/** Run changes come in bursts (a pass of a monitor): scoring looks at the runs at most this often. */
const SETTLE_MS = 500;

export class RunScoringHost implements vscode.Disposable {
  private readonly scoring: RunScoring;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(runs: RunsController, clip: ClipScorerSource, log: (message: string) => void) {
    this.scoring = new RunScoring({
      runs: () => runs.runs().map((r) => ({ id: r.id, state: r.state, imageDir: r.imageCacheDir })),
      enabled: () => vscode.workspace.isTrusted && setting('clip.scoreValidationImages'),
      clip,
      log,
    });
    const wake = loggingErrors('CLIP scoring', log, () => this.schedule());
    this.disposables.push(
      runs.onDidChange(wake),
      vscode.workspace.onDidGrantWorkspaceTrust(wake),
      onDidChangeSettings(
        loggingErrors('CLIP scoring', log, (changed: ReadonlySet<SettingKey>) => {
          // A new model (or scoring turned back on) is tried even if the last one failed.
          if (changed.has('clip.scoreValidationImages') || changed.has('clip.model')) this.scoring.retry();
        }),
      ),
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scoring.update();
    }, SETTLE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.scoring.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
