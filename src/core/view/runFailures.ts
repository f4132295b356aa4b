// Failed runs' diagnoses as Problems on the configs they were started from, worked out from the runs' current states,
// not from the moment a run failed: after a window reload the monitors re-read every run from byte 0 and no run is
// seen failing again, yet its diagnosis must be back exactly as it was.
import { lineColumn, parseConfigText, rangeOf } from '../config/config';
import type { Diagnosis } from '../run/events';
import { failureTitle } from '../run/failure';
import { redactText } from '../util/redact';
import type { RunState } from '../run/state';
import type { Diagnostic } from '../diagnostics/types';

export interface RunOfConfig {
  id: string;
  /** The config the run was started from, as any key that is the same for the same file (the extension uses its URI). */
  config: string | undefined;
  /** ISO time the run was created; of two failed runs of a config, the later one's diagnosis is shown. */
  createdAt: string;
  state: RunState;
}

export interface ShownFailure {
  runId: string;
  failure: Diagnosis;
}

/** What Problems shows of a run: its diagnosis once it has failed and ended (until then a stop may still explain it). */
function diagnosisOf(s: RunState): Diagnosis | undefined {
  return s.state === 'failed' && s.exit && s.failure ? s.failure : undefined;
}

/**
 * The diagnosis each config shows: that of its newest failed run, unless dismissed. A config shows one at most (a new
 * failure replaces the older one), and none when its runs' diagnoses were dismissed by an edit of the config (each
 * described the config as it was). Keyed by `config`.
 */
export function failuresByConfig(runs: readonly RunOfConfig[], dismissed: ReadonlySet<string>): Map<string, ShownFailure> {
  const newest = new Map<string, RunOfConfig>();
  for (const r of runs) {
    if (r.config === undefined || dismissed.has(r.id) || !diagnosisOf(r.state)) continue;
    const shown = newest.get(r.config);
    if (!shown || r.createdAt > shown.createdAt || (r.createdAt === shown.createdAt && r.id > shown.id)) newest.set(r.config, r);
  }
  const out = new Map<string, ShownFailure>();
  for (const [config, r] of newest) out.set(config, { runId: r.id, failure: diagnosisOf(r.state)! });
  return out;
}

/** The runs whose diagnosis an edit of `config` dismisses: all its failed runs, so no older one shows up instead. */
export function diagnosedRunsOf(runs: readonly RunOfConfig[], config: string): string[] {
  return runs.filter((r) => r.config === config && diagnosisOf(r.state)).map((r) => r.id);
}

/** The Problems entry for a shown failure, on the config key it names in `configText` (else at the top of the file). */
export function runFailureDiagnostic(shown: ShownFailure, configText: string): Diagnostic {
  const { runId, failure } = shown;
  const pointer = failure.configKey ?? '';
  const { offset, length } = pointer ? rangeOf(parseConfigText(configText), pointer, true) : { offset: 0, length: 0 };
  const { line, column } = lineColumn(configText, offset);
  return {
    // Masked once more on the way out (the state's texts already are, see redact.ts): Problems is often screen-shared.
    severity: 'error',
    code: `run-${failure.class}`,
    message: redactText(`Run ${runId} failed (${failureTitle(failure.class)}): ${failure.message} ${failure.remedy}`),
    path: pointer,
    offset,
    length,
    line,
    column,
    ...(failure.fix ? { fix: failure.fix } : {}),
  };
}
