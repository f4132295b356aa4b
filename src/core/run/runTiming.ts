// A run's clock summary (stepTimes.ts) from its state: what every view (status bar, Runs tree, dashboard, CLI) shows.
import { isEnded, stepsPerEpoch, type RunState } from './state';
import { timingSummary, type TimingSummary } from './stepTimes';

export function runTiming(s: RunState): TimingSummary {
  return timingSummary(s.timing, {
    step: s.step,
    totalSteps: s.totalSteps,
    stepsPerEpoch: stepsPerEpoch(s.banner),
    script: s.script,
    args: s.args,
    ended: isEnded(s),
  });
}

/** How long the run took or has taken so far (s): start to end, else start to `now` while it runs (live views only). */
export function runDurationSec(t: TimingSummary, now?: number): number | undefined {
  if (t.startedAt === undefined) return undefined;
  const end = t.endedAt ?? now;
  return end !== undefined && end >= t.startedAt ? (end - t.startedAt) / 1000 : undefined;
}
