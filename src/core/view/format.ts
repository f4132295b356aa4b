// Small display formatters shared by the status bar, tree views and the CLI.
import type { RunState } from '../run/state';
import { failureTitle } from '../run/failure';
import { isMultiRank } from '../run/ranks';
import { runDurationSec, runTiming } from '../run/runTiming';
import { formatSpeed, type SpeedUnit } from '../../shared/speed';

// Shared with the dashboard webview, which shows the same checkpoint sizes.
export { formatBytes } from '../../shared/bytes';
// The one speed formatter (it/s or s/it by the `sdxl.speedUnit` setting), shared with the webview too.
export { formatSpeed, type SpeedUnit } from '../../shared/speed';

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

/**
 * Where a live run is, never with a "?": what it waits for before its first step, then progress, recent speed
 * (pauses left out) and an ETA that counts the validations and saves to come (`+`: some pause lengths not known yet).
 */
export function progressText(s: RunState, unit: SpeedUnit = 'auto'): string {
  if (s.step === null || (s.step === 0 && s.state !== 'validating' && s.state !== 'saving')) {
    if (s.state === 'training') return s.totalSteps ? `0/${s.totalSteps} · waiting for first step` : 'waiting for first step';
    if (s.state === 'pre-computing') return 'pre-computing…';
    return s.state === 'queued' ? 'queued' : 'starting…';
  }
  const t = runTiming(s);
  const parts = [s.state === 'training' ? formatProgress(s) : `${s.state} · ${formatProgress(s)}`];
  if (t.recentSecPerStep !== undefined) parts.push(formatSpeed(t.recentSecPerStep, unit));
  else if (s.state === 'training') parts.push('measuring speed');
  if (t.etaSec !== undefined) parts.push(`ETA ${formatDuration(t.etaSec)}${t.etaPartial ? '+' : ''}`);
  return parts.join(' · ');
}

/** One line for a run: its state, progress, speed and ETA, or its outcome with how long it took. */
export function describeRun(s: RunState, unit: SpeedUnit = 'auto'): string {
  const took = () => {
    const t = runTiming(s);
    const d = runDurationSec(t);
    const parts = [d !== undefined ? `in ${formatDuration(d)}` : '', t.avgSecPerStep !== undefined ? `avg ${formatSpeed(t.avgSecPerStep, unit)}` : ''];
    const text = parts.filter(Boolean).join(' · ');
    return text ? ` ${text}` : '';
  };
  switch (s.state) {
    case 'finished':
      return `finished at step ${s.step ?? '?'}${took()}`;
    case 'failed':
      return `failed${s.failure ? `: ${failureTitle(s.failure.class)}` : ''}${failedRank(s)}${s.step !== null ? ` at step ${s.step}` : ''}`;
    case 'stopped':
      return `stopped${s.step !== null ? ` at step ${s.step}` : ''}${took()}`;
    case 'queued':
      return 'queued';
    default:
      return s.hang ? `${formatProgress(s)} · stalled: no step for ${formatDuration(s.hang.sinceSec)}` : progressText(s, unit);
  }
}

/** ` on rank N` for a multi-process run whose first failing rank is known (core/run/ranks.ts), else nothing. */
function failedRank(s: RunState): string {
  const first = s.ranks.firstFailure;
  return first && isMultiRank(s.ranks) ? ` on rank ${first.rank}` : '';
}

/** `1 save`, `3 saves`: a count with its noun (a regular plural). */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
