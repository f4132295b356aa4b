// Small display formatters shared by the status bar, tree views and the CLI.
import type { RunState } from '../run/state';
import { failureTitle } from '../run/failure';

// Shared with the dashboard webview, which shows the same checkpoint sizes.
export { formatBytes } from '../../shared/bytes';

/** Seconds as tqdm prints them: MM:SS, or H:MM:SS once an hour has passed. */
export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A rate the way trainers talk about it: s/it when slower than one step a second. */
export function formatRate(itPerSec: number | null | undefined): string {
  if (!itPerSec || !Number.isFinite(itPerSec) || itPerSec <= 0) return '?it/s';
  return itPerSec >= 1 ? `${itPerSec.toFixed(2)} it/s` : `${(1 / itPerSec).toFixed(2)} s/it`;
}

export function formatProgress(s: RunState): string {
  if (s.step === null) return s.state;
  return s.totalSteps ? `${s.step}/${s.totalSteps}` : `${s.step}`;
}

/**
 * A run's name in lists and legends: its config's name, and when another run has the same name (a resume, a rerun)
 * its local creation time too, so two runs never read the same. The date is added unless it started on `now`'s day.
 */
export function runDisplayName(name: string, startedIso: string, shared: boolean, now = new Date()): string {
  if (!shared) return name;
  const t = new Date(startedIso);
  if (Number.isNaN(t.getTime())) return name;
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  const sameDay = t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate();
  return `${name} · ${sameDay ? '' : `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} `}${time}`;
}

/** One line for a run: its state, progress, rate and ETA or outcome. */
export function describeRun(s: RunState): string {
  switch (s.state) {
    case 'finished':
      return `finished at step ${s.step ?? '?'}`;
    case 'failed':
      return `failed${s.failure ? `: ${failureTitle(s.failure.class)}` : ''}${s.step !== null ? ` at step ${s.step}` : ''}`;
    case 'stopped':
      return `stopped${s.step !== null ? ` at step ${s.step}` : ''}`;
    case 'queued':
      return 'queued';
    case 'training':
      return s.hang
        ? `${formatProgress(s)} · stalled: no step for ${formatDuration(s.hang.sinceSec)}`
        : `${formatProgress(s)} · ${formatRate(s.rateItPerSec)} · ETA ${formatDuration(s.etaSec)}`;
    default:
      return s.step !== null ? `${s.state} · ${formatProgress(s)}` : s.state;
  }
}
