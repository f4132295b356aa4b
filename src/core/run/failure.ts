// Failure classifier: turns what a dead (or sick) run printed into one Diagnosis with a concrete remedy and, where a
// config change helps, a Fix in the same shape the config diagnostics use. Patterns: docs/worker-formats.md#tracebacks. Pure.
// The rules themselves, in the order they are tried, are in failureRules/ (index.ts lists them).
import type { ArgValue } from '../scripts/scriptTables';
import type { Diagnosis, FailureClass, TracebackInfo } from './events';
import { FAILURE_RULES, LAUNCHER_EXC, PY_EXCEPTION, type FailureContext, type FailureInput, type FailureRule } from './failureRules';

/** What each failure class is called wherever a person reads it: dashboard banner, notifications, Problems, Runs view, summarize. */
export const FAILURE_TITLES: Readonly<Record<FailureClass, string>> = {
  cuda_oom: 'Out of GPU memory',
  host_oom_killed: 'Killed: out of host memory',
  missing_package: 'A Python package is missing',
  dataset_columns: 'The training data is missing or does not fit the script',
  argparse: 'The script rejected its arguments',
  diffusers_version: 'Needs a newer diffusers (from source)',
  nan_loss: 'Loss became NaN',
  hub_auth: 'Hugging Face Hub access refused',
  xformers_build: 'The installed xformers cannot run here',
  distributed: 'Multi-GPU communication failed',
  disk_full: 'The disk is full',
  other: 'Training error',
};

/** The title of a failure class; a class this version does not know (a newer record) reads as its words. */
export function failureTitle(cls: string): string {
  return Object.prototype.hasOwnProperty.call(FAILURE_TITLES, cls) ? FAILURE_TITLES[cls as FailureClass] : cls.replace(/_/g, ' ');
}

export type { FailureInput } from './failureRules';

/** The child's own exception lines, launcher wrappers excluded, in order. */
function childExceptions(tbs: readonly TracebackInfo[]): string[] {
  return tbs.map((t) => t.exception).filter((e): e is string => !!e && !LAUNCHER_EXC.test(e));
}

// What the launcher prints when a child failed (its exception about the child, a signal death, the script's argparse
// error): the run failed whatever the child said.
const LAUNCHER_FAILED = /CalledProcessError|ChildFailedError|died with <Signals\.|\.py: error: /;

/** Whether a line says the launcher saw its child fail (sets RunState.launcherFailed). */
export function isLauncherFailureLine(text: string): boolean {
  return LAUNCHER_FAILED.test(text);
}

/** Whether a line is a launcher's exception about its child (CalledProcessError, …), not the training's own. */
export function isLauncherExceptionLine(text: string): boolean {
  return LAUNCHER_EXC.test(text);
}

/** Whether a line is a Python exception as printed when uncaught (`module.SomeError: message`), not a launcher's own. */
export function isChildExceptionLine(text: string): boolean {
  return PY_EXCEPTION.test(text) && !LAUNCHER_EXC.test(text);
}

function contextOf(input: FailureInput): FailureContext {
  const tracebacks = input.tracebacks ?? [];
  const lines = input.lines ?? [];
  const childExc = childExceptions(tracebacks);
  // Exception lines first: they name the cause; traceback bodies and loose lines can mention other things.
  const texts = [...childExc, ...lines, ...tracebacks.map((t) => t.exception ?? ''), ...tracebacks.flatMap((t) => t.lines)];
  const find = (re: RegExp): RegExpExecArray | undefined => {
    for (const t of texts) {
      const m = re.exec(t);
      if (m) {
        m[0] = t.trim();
        return m;
      }
    }
    return undefined;
  };
  return { input, tracebacks, lines, childExceptions: childExc, find };
}

/** The first rule of FAILURE_RULES that applies to the input, with what it says. */
export function matchFailureRule(input: FailureInput): { rule: FailureRule; diagnosis: Diagnosis } {
  const c = contextOf(input);
  for (const rule of FAILURE_RULES) {
    const m = rule.pattern ? c.find(rule.pattern) : undefined;
    if (rule.pattern && !m) continue;
    if (rule.when && !rule.when(c)) continue;
    return { rule, diagnosis: { class: rule.class, ...rule.diagnose(c, m) } };
  }
  // FAILURE_RULES ends with a rule that always applies.
  throw new Error('no failure rule applied: FAILURE_RULES must end with a rule without pattern or condition');
}

/** What a dead (or sick) run printed → one Diagnosis: the first rule of FAILURE_RULES (failureRules/index.ts) that applies. */
export function classifyFailure(input: FailureInput): Diagnosis {
  return matchFailureRule(input).diagnosis;
}

/**
 * accelerate silently drops the TensorBoard tracker when the package is missing: the only sign is that no logs dir
 * appears although report_to asks for tensorboard. Call once training has logged steps.
 */
export function checkTensorboardLogs(input: { reportTo: ArgValue | undefined; logsDirExists: boolean; step: number | null }): Diagnosis | undefined {
  const reportTo = input.reportTo === undefined || input.reportTo === null ? 'tensorboard' : String(input.reportTo);
  if (!(reportTo === 'tensorboard' || reportTo === 'all') || input.logsDirExists || !input.step || input.step < 1) return undefined;
  return {
    class: 'missing_package',
    message: `report_to is ${reportTo} but no TensorBoard logs dir appeared after ${input.step} steps.`,
    remedy:
      'accelerate drops the TensorBoard tracker without an error when the tensorboard package is missing: ' +
      '`pip install tensorboard` in the training environment (train_loss and validation images are only logged there).',
    configKey: '/args/report_to',
  };
}

export interface HangCheck {
  hung: boolean;
  /** Seconds since the last progress. */
  sinceSec: number;
  /** Median seconds between recent progress updates. */
  typicalStepSec: number;
}

/**
 * No progress for `factor` times the usual step time (and at least `minSec`, since checkpoint saves and validation
 * legitimately pause the bar). `progressTimes` are ms timestamps of step changes, oldest first. Undefined until 3 are known.
 */
export function detectHang(
  progressTimes: readonly number[],
  now: number,
  opts: { factor?: number; minSec?: number; window?: number } = {},
): HangCheck | undefined {
  const factor = opts.factor ?? 20;
  const minSec = opts.minSec ?? 600;
  const recent = progressTimes.slice(-(opts.window ?? 20));
  if (recent.length < 3) return undefined;
  const gaps = recent
    .slice(1)
    .map((t, i) => (t - recent[i]!) / 1000)
    .filter((g) => g >= 0)
    .sort((a, b) => a - b);
  if (gaps.length === 0) return undefined;
  const typicalStepSec = gaps[Math.floor(gaps.length / 2)]!;
  const sinceSec = Math.max(0, (now - recent[recent.length - 1]!) / 1000);
  return { hung: sinceSec > Math.max(minSec, factor * typicalStepSec), sinceSec, typicalStepSec };
}
