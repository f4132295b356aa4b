// Notifications when a run finishes, fails (with the remedy as an action) or reaches a validation epoch: once, for what
// happened live (never replayed after a reload). The failure's Problems entry is RunProblems', from the current states.
import * as vscode from 'vscode';
import type { Diagnosis } from '../../core/run/events';
import { failureTitle } from '../../core/run/failure';
import { epochText } from '../../shared/epochs';
import type { RunChange, RunsController } from './runsController';
import { setting } from '../settings';
import { logFailure, loggingErrors, type Log } from '../listenerErrors';
import { alertModeOf, alertNotifies, alertText, endAlertOf, type RunAlert } from '../../core/view/runAlert';

export class RunNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private readonly nanStopped = new Set<string>();
  private readonly failedReported = new Set<string>();
  /** Runs with a validation notification still on screen: one at a time, so a long run does not pile them up. */
  private readonly validationShown = new Set<string>();

  constructor(
    private readonly runs: RunsController,
    private readonly log: Log = () => undefined,
    /** Where a run's end is posted besides the notification (the alert webhook). */
    private readonly onRunEnded: (alert: RunAlert) => Promise<void> = async () => undefined,
  ) {
    this.subscription = runs.onDidChange(loggingErrors('Run notifications', log, (c: RunChange | undefined) => c && this.onChange(c)));
  }

  private async onChange(c: RunChange): Promise<void> {
    const { id, state, previous } = c;
    const view = this.runs.get(id);
    if (!view) return;
    const name = this.runs.displayName(id);
    // Only what the monitor saw happen live is news: events read from history (first pass, e.g. after a reload)
    // carry no `at`, so a run that ended while the window was closed does not notify again.
    const fresh = c.events.some((e) => e.at !== undefined);
    // The end of a run seen live: posted to the webhook always (a URL set means "tell me wherever I am"), shown as an
    // alert when the window is not focused (sdxl.alerts.notify); a failure's own notification below names it already.
    const record = view.entry.record;
    const end = endAlertOf(previous, state, fresh, { id, name, startedAt: record.startedAt, endedAt: record.endedAt });
    const mode = alertModeOf(setting('alerts.notify'));
    const alerted = end !== undefined && end.outcome !== 'failed' && alertNotifies(mode, vscode.window.state.focused);
    if (end) logFailure(`Posting the end of run ${id}`, this.log, this.onRunEnded(end));
    if (end && alerted) {
      void vscode.window
        .showInformationMessage(this.redact(alertText(end)), 'Open Dashboard', 'Show Console')
        .then((a) => a && vscode.commands.executeCommand(a === 'Open Dashboard' ? 'sdxl.openDashboard' : 'sdxl.openConsoleLog', id));
    }
    // `never`: no word of a run's end but a failure's diagnosis (below).
    if (state.state !== previous.state && fresh && !alerted && mode !== 'never') {
      if (state.state === 'finished') {
        void vscode.window
          .showInformationMessage(this.redact(`SDXL run "${name}" finished at step ${state.step ?? '?'}.`), 'Open Dashboard', 'Reveal Output')
          .then((a) => a && vscode.commands.executeCommand(a === 'Open Dashboard' ? 'sdxl.openDashboard' : 'sdxl.revealOutput', id));
      }
    }
    // A failure is reported once the run has really ended: until then a stop may still explain its last words.
    if (state.state === 'failed' && state.exit && !(previous.state === 'failed' && previous.exit) && fresh && !this.failedReported.has(id)) {
      this.failedReported.add(id);
      await this.reportFailure(id, name, state.failure, view.entry.record.configPath);
    }
    const newValidation = state.validation.entries.filter((e) => e.tag === 'validation').length;
    const oldValidation = previous.validation.entries.filter((e) => e.tag === 'validation').length;
    if (newValidation > oldValidation && fresh) {
      const last = state.validation.entries.filter((e) => e.tag === 'validation').at(-1)!;
      if (!this.validationShown.has(id)) {
        this.validationShown.add(id);
        void vscode.window
          .showInformationMessage(this.redact(`SDXL run "${name}": validation images for ${epochText(last.epoch)}.`), 'Open Dashboard')
          .then((a) => {
            this.validationShown.delete(id);
            if (a) void vscode.commands.executeCommand('sdxl.openDashboard', id);
          });
      } else {
        vscode.window.setStatusBarMessage(`SDXL run "${name}": validation images for ${epochText(last.epoch)}`, 5000);
      }
    }
    if (state.hang && !previous.hang && !state.exit) {
      const { sinceSec, typicalStepSec } = state.hang;
      void vscode.window
        .showWarningMessage(
          this.redact(`SDXL run "${name}" may be hung: no step for ${Math.round(sinceSec)} s (a step usually takes ${typicalStepSec.toFixed(1)} s).`),
          'Open Console Log',
          'Stop Run',
        )
        .then((a) => {
          if (a === 'Open Console Log') void vscode.commands.executeCommand('sdxl.openConsoleLog', id);
          else if (a === 'Stop Run') void vscode.commands.executeCommand('sdxl.stopRun', id);
        });
    }
    if (fresh && state.nanLossStep !== null && previous.nanLossStep === null && !this.nanStopped.has(id)) {
      this.nanStopped.add(id);
      const stop = setting('stopOnNanLoss');
      const nan = state.warnings.find((w) => w.class === 'nan_loss');
      if (stop && !state.exit) {
        void vscode.window.showWarningMessage(
          this.redact(`SDXL run "${name}": the loss became NaN at step ${state.nanLossStep}; stopping it (setting sdxl.stopOnNanLoss). ${nan?.remedy ?? ''}`),
        );
        logFailure(`Stopping run ${id} after its NaN loss`, this.log, this.runs.stop(id));
      } else {
        void vscode.window.showWarningMessage(this.redact(`SDXL run "${name}": the loss became NaN at step ${state.nanLossStep}. ${nan?.remedy ?? ''}`));
      }
    }
  }

  private async reportFailure(id: string, name: string, failure: Diagnosis | null, configPath: string | undefined): Promise<void> {
    const actions = [...(failure?.fix && configPath ? ['Apply Fix'] : []), 'Open Console Log', 'Open Dashboard'];
    const text = failure ? `SDXL run "${name}" failed: ${failureTitle(failure.class)}. ${failure.message} — ${failure.remedy}` : `SDXL run "${name}" failed.`;
    const action = await vscode.window.showErrorMessage(this.redact(text), ...actions);
    if (action === 'Apply Fix' && failure?.fix && configPath) {
      await vscode.commands.executeCommand('sdxl.applyRunFix', configPath, failure.fix);
    } else if (action === 'Open Console Log') {
      await vscode.commands.executeCommand('sdxl.openConsoleLog', id, 'failure');
    } else if (action === 'Open Dashboard') {
      await vscode.commands.executeCommand('sdxl.openDashboard', id);
    }
  }

  /** Notifications are masked like every other output (redact.ts): they quote diagnoses and run names. */
  private redact(text: string): string {
    return this.runs.secrets.redact(text);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
