// The status bar item for active runs: step/total, speed and ETA (from the step times, core/run/stepTimes.ts), or what
// the run waits for before its first step; a click opens the run's dashboard.
import * as vscode from 'vscode';
import { isLiveRun } from '../../core/view/runList';
import { formatDuration, formatProgress, progressText } from '../../core/view/format';
import { runTiming } from '../../core/run/runTiming';
import { isSpeedUnit } from '../../shared/speed';
import { onDidChangeSettings, setting } from '../settings';
import type { RunsController } from './runsController';
import { isSimulated } from './simulation';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sdxl.run', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private readonly unitWatch = onDidChangeSettings((changed) => {
    if (changed.has('speedUnit')) this.update();
  });

  constructor(private readonly runs: RunsController) {
    this.item.name = 'SDXL Training Run';
    this.subscription = runs.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    // Only runs that run now: after a reload, old runs look alive until their monitors have read their exit.
    const live = this.runs.runs().filter((r) => isLiveRun(r.entry.record.state, r.state));
    if (live.length === 0) {
      this.item.hide();
      return;
    }
    const r = live[0]!;
    const s = r.state;
    const sim = isSimulated(r.entry.record) ? 'SIMULATION ' : '';
    const more = live.length > 1 ? ` (+${live.length - 1})` : '';
    const stalled = live.find((x) => x.state.hang);
    const unit = setting('speedUnit');
    const icon = `${stalled ? '$(warning)' : '$(sync~spin)'} SDXL ${sim}`;
    const parts = s.hang
      ? [`${icon}${formatProgress(s)}`, `stalled: no step for ${formatDuration(s.hang.sinceSec)}`]
      : [`${icon}${progressText(s, isSpeedUnit(unit) ? unit : 'auto')}`];
    // A stalled run (any of them) colours the item, as a warning that stays until it moves again.
    this.item.backgroundColor = stalled ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.text = parts.join(' · ') + more;
    this.item.tooltip = `${sim}${r.entry.record.name} (${r.id}) — click to open the dashboard`;
    this.item.command = { command: 'sdxl.openDashboard', title: 'Open Dashboard', arguments: [r.id] };
    const eta = runTiming(s).etaSec;
    this.item.accessibilityInformation = {
      label: `SDXL run ${r.entry.record.name}: ${s.state}, step ${formatProgress(s)}${eta !== undefined ? `, ETA ${formatDuration(eta)}` : ''}`,
    };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.unitWatch.dispose();
    this.item.dispose();
  }
}
