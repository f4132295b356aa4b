// A run's end as news: whether this change of a run's state is its end seen live (once, never replayed from history),
// the alert's facts and text, and whether the notification shows (setting `sdxl.alerts.notify`). The extension's
// RunNotifier shows it and the webhook (alertWebhook.ts) posts it.
import type { RunState } from '../run/state';
import { failureTitle } from '../run/failure';
import { formatDuration } from './format';

export type AlertOutcome = 'succeeded' | 'failed' | 'stopped';

export interface RunAlert {
  id: string;
  name: string;
  outcome: AlertOutcome;
  step: number | null;
  totalSteps: number | null;
  durationSec: number | null;
  /** The failure class's title (failureTitle), for a failed run whose cause is known. */
  failureTitle: string | null;
}

/** `SDXL run "x" failed (Out of GPU memory) at step 120/500 after 1 h 02 min.` */
export function alertText(a: RunAlert): string {
  const what = a.outcome === 'failed' && a.failureTitle ? `failed (${a.failureTitle})` : a.outcome;
  const step = a.step === null ? '' : ` at step ${a.step}${a.totalSteps ? `/${a.totalSteps}` : ''}`;
  const after = a.durationSec === null ? '' : ` after ${formatDuration(a.durationSec)}`;
  return `SDXL run "${a.name}" ${what}${step}${after}.`;
}

export type AlertMode = 'unfocused' | 'always' | 'never';

/** The setting's value; anything else (a hand-edited settings.json) reads as the default, `unfocused`. */
export function alertModeOf(raw: unknown): AlertMode {
  return raw === 'always' || raw === 'never' ? raw : 'unfocused';
}

/** Whether the end-of-run notification shows: `always`, or `unfocused` while the window is not focused. */
export function alertNotifies(mode: AlertMode, windowFocused: boolean): boolean {
  return mode === 'always' || (mode === 'unfocused' && !windowFocused);
}

/** Ended for good: a failed run only once its processes are gone (until then a stop may still explain it). */
function over(s: RunState): boolean {
  return s.state === 'finished' || s.state === 'stopped' || (s.state === 'failed' && s.exit !== null);
}

/**
 * The alert for this change, when it is the run's end: `previous` was not over, `state` is, and the change was seen
 * live (`fresh`: its events carry `at`; history read after a reload does not), so a reload never replays it.
 */
export function endAlertOf(
  previous: RunState,
  state: RunState,
  fresh: boolean,
  run: { id: string; name: string; startedAt?: string | undefined; endedAt?: string | undefined },
  now = Date.now(),
): RunAlert | undefined {
  if (!fresh || over(previous) || !over(state)) return undefined;
  const outcome: AlertOutcome = state.state === 'finished' ? 'succeeded' : state.state === 'failed' ? 'failed' : 'stopped';
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const ended = run.endedAt ? Date.parse(run.endedAt) : now;
  return {
    id: run.id,
    name: run.name,
    outcome,
    step: state.step,
    totalSteps: state.totalSteps,
    durationSec: Number.isFinite(started) && ended >= started ? (ended - started) / 1000 : state.elapsedSec,
    failureTitle: outcome === 'failed' && state.failure ? failureTitle(state.failure.class) : null,
  };
}
