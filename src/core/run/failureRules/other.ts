// No rule knew the failure: name its last exception (a cut traceback says so), else how the run ended.
import { LAUNCHER_EXC, PY_EXCEPTION, type FailureContext, type FailureRule } from './rule';

/** The line that names the cause best: the child's last exception, else a loose one, else any, else the last line. */
function lastCause(c: FailureContext): string | undefined {
  // A Python exception line outside any traceback (a log that starts mid-traceback) names the cause better than a
  // launcher's own exception does.
  const looseExc = c.lines.filter((l) => PY_EXCEPTION.test(l) && !LAUNCHER_EXC.test(l));
  const tbs = c.tracebacks;
  return c.childExceptions[c.childExceptions.length - 1] ?? looseExc[looseExc.length - 1] ?? tbs[tbs.length - 1]?.exception ?? c.lines[c.lines.length - 1];
}

export const cutTraceback: FailureRule = {
  id: 'cut-traceback',
  class: 'other',
  when: (c) => lastCause(c) === undefined && c.tracebacks.some((t) => t.exception === undefined),
  diagnose: () => ({
    message: 'The console ends inside a traceback, before its exception line: the cause is unknown.',
    remedy:
      'The process died while printing its error (or the log was cut). Read the traceback in the console log; ' +
      'its last frames show where it failed. Run again to see the whole error.',
  }),
};

/** Always applies: the last rule. */
export const unrecognised: FailureRule = {
  id: 'unrecognised',
  class: 'other',
  diagnose: (c) => ({
    message: lastCause(c) ?? (c.input.signal ? `The run was ended by ${c.input.signal}.` : `The run exited with code ${c.input.exitCode ?? 'unknown'}.`),
    remedy: 'Read the last traceback in the console log; the exception line names the cause.',
  }),
};
