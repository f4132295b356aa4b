// Runs `PYTHON SCRIPT --help` in a child process: an argument array (no shell), its own process group (killed whole on
// timeout: the script's imports may start helpers), a wall-clock timeout and a cap on what it may print.
import { spawn } from 'node:child_process';
import { redactText } from '../util/redact';

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
/** The end of stderr kept for the reason of a failure (a traceback's last line is what says why). */
const STDERR_TAIL = 16 * 1024;

/** The last line of a traceback or error output that says something, e.g. `ModuleNotFoundError: No module named 'x'`. */
export function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.at(-1);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') process.kill(pid, 'SIGKILL');
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export const runHelp: HelpRunner = (req) =>
  new Promise((resolve) => {
    let settled = false;
    const finish = (out: HelpOutput): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(out.ok ? out : { ok: false, reason: redactText(out.reason) });
    };
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(req.python, [req.script, '--help'], {
        cwd: req.cwd,
        // Unwrapped help: one line per help text, and URLs not broken at the terminal width.
        env: { ...req.env, COLUMNS: '1000', PYTHONIOENCODING: 'utf-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      // spawn() throws synchronously for a NUL in a path or an unusable cwd.
      resolve({ ok: false, reason: `${req.python} could not be started: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    const timer = setTimeout(() => {
      killGroup(child.pid);
      finish({ ok: false, reason: `${req.python} ${req.script} --help did not finish within ${Math.round(req.timeoutMs / 1000)} s` });
    }, req.timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (stdoutBytes > req.maxBytes) {
        killGroup(child.pid);
        finish({ ok: false, reason: `--help printed more than ${req.maxBytes} bytes` });
        return;
      }
      stdout.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ ok: false, reason: e.code === 'ENOENT' ? `no Python interpreter at ${req.python}` : `${req.python} could not be started: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        finish({ ok: true, stdout: Buffer.concat(stdout).toString('utf8') });
        return;
      }
      const why = lastErrorLine(stderr);
      finish({ ok: false, reason: `--help exited with ${signal ? `signal ${signal}` : `code ${code}`}${why ? `: ${why}` : ''}` });
    });
  });
