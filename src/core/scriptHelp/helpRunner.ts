// Runs `PYTHON SCRIPT --help` through the one bounded child-process runner (util/boundedRun: argument array, own
// process group, timeout, output cap), with unwrapped help.
import { runBounded } from '../util/boundedRun';

export { lastErrorLine } from '../util/boundedRun';

export interface HelpRequest {
  python: string;
  /** Absolute path of the script. */
  script: string;
  cwd: string;
  /** The whole environment of the child. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** Most bytes of stdout read; past it the child is killed and the run fails. */
  maxBytes: number;
}

export type HelpOutput = { ok: true; stdout: string } | { ok: false; reason: string };

/** The part of a help run tests replace to count spawns or play a slow interpreter. */
export type HelpRunner = (req: HelpRequest) => Promise<HelpOutput>;

/** The diffusers scripts import torch and diffusers before argparse runs: tens of seconds on a cold, loaded machine. */
export const DEFAULT_HELP_TIMEOUT_MS = 60_000;
export const DEFAULT_HELP_MAX_BYTES = 1024 * 1024;

export const runHelp: HelpRunner = async (req) => {
  const out = await runBounded({
    command: req.python,
    args: [req.script, '--help'],
    cwd: req.cwd,
    // Unwrapped help: one line per help text, and URLs not broken at the terminal width.
    env: { ...req.env, COLUMNS: '1000', PYTHONIOENCODING: 'utf-8' },
    timeoutMs: req.timeoutMs,
    maxBytes: req.maxBytes,
    what: `${req.python} ${req.script} --help`,
  });
  if (out.ok) return { ok: true, stdout: out.stdout };
  if (out.failure === 'missing') return { ok: false, reason: `no Python interpreter at ${req.python}` };
  if (out.failure === 'too-large') return { ok: false, reason: `--help printed more than ${req.maxBytes} bytes` };
  // "--help exited with code 1: …", as before the runner was shared.
  if (out.failure === 'exit') return { ok: false, reason: out.reason.replace(`${req.python} ${req.script} --help`, '--help') };
  return { ok: false, reason: out.reason };
};
