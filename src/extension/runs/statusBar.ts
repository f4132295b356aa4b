// The status bar item for active runs: step/total, rate and ETA; a click opens the run's dashboard.
import * as vscode from 'vscode';
import { isLiveRun } from '../../core/view/runList';
import { formatDuration, formatProgress, formatRate } from '../../core/view/format';
import type { RunsController } from './runsController';
import { isSimulated } from './simulation';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sdxl.run', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

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
    const parts = [`${stalled ? '$(warning)' : '$(sync~spin)'} SDXL ${sim}${formatProgress(s)}`];
    if (s.hang) parts.push(`stalled: no step for ${formatDuration(s.hang.sinceSec)}`);
    else if (s.state === 'training') parts.push(formatRate(s.rateItPerSec), `ETA ${formatDuration(s.etaSec)}`);
    else parts.push(s.state);
    // A stalled run (any of them) colours the item, as a warning that stays until it moves again.
    this.item.backgroundColor = stalled ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.text = parts.join(' · ') + more;
    this.item.tooltip = `${sim}${this.runs.displayName(r.id)} (${r.id}) — click to open the dashboard`;
    this.item.command = { command: 'sdxl.openDashboard', title: 'Open Dashboard', arguments: [r.id] };
    this.item.accessibilityInformation = {
      label: `SDXL run ${this.runs.displayName(r.id)}: ${s.state}, step ${formatProgress(s)}, ETA ${formatDuration(s.etaSec)}`,
    };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
