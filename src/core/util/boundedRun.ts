// One child process with bounds: an argument array (no shell), its own process group (killed whole on timeout: a
// Python's imports may start helpers), a wall-clock timeout and a cap on what it may print. Used for a script's
// --help (scriptHelp/) and the environment probe (env/). Output is decoded as UTF-8 with replacement characters, so
// bytes in another encoding never throw.
import { spawn } from 'node:child_process';
import { redactText } from './redact';
import { errText } from './errText';

export interface BoundedRequest {
  command: string;
  args: string[];
  cwd?: string;
  /** The whole environment of the child. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** Most bytes of stdout read; past it the child is killed and the run fails. */
  maxBytes: number;
  /** How the run is named in a reason, e.g. `python train.py --help`. */
  what: string;
  /** Aborting kills the process group (a user's Cancel). */
  signal?: AbortSignal;
}

export type BoundedFailure = 'missing' | 'spawn' | 'timeout' | 'too-large' | 'exit' | 'cancelled';

export type BoundedOutput =
  { ok: true; stdout: string; stderr: string } | { ok: false; failure: BoundedFailure; reason: string; stdout: string; stderr: string };

/** The end of stderr kept (a traceback's last line is what says why). */
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

/** Runs the request; never rejects. Reasons are redacted (an interpreter's error may quote a token from the env). */
export function runBounded(req: BoundedRequest): Promise<BoundedOutput> {
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    const text = (): { stdout: string; stderr: string } => ({ stdout: Buffer.concat(stdout).toString('utf8'), stderr });
    let settled = false;
    // Set once the child runs; `fail` may come before (a spawn that throws, an abort already signalled).
    const armed: { timer?: NodeJS.Timeout; onAbort?: () => void } = {};
    const disarm = (): void => {
      clearTimeout(armed.timer);
      if (armed.onAbort) req.signal?.removeEventListener('abort', armed.onAbort);
    };
    const fail = (failure: BoundedFailure, reason: string): void => {
      if (settled) return;
      settled = true;
      disarm();
      resolve({ ok: false, failure, reason: redactText(reason), ...text() });
    };
    if (req.signal?.aborted) {
      fail('cancelled', `${req.what} was cancelled`);
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(req.command, req.args, {
        ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
        env: req.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      // spawn() throws synchronously for a NUL in a path or an unusable cwd.
      fail('spawn', `${req.command} could not be started: ${errText(e)}`);
      return;
    }
    armed.onAbort = (): void => {
      killGroup(child.pid);
      fail('cancelled', `${req.what} was cancelled`);
    };
    req.signal?.addEventListener('abort', armed.onAbort, { once: true });
    armed.timer = setTimeout(() => {
      killGroup(child.pid);
      fail('timeout', `${req.what} did not finish within ${Math.round(req.timeoutMs / 1000)} s`);
    }, req.timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (stdoutBytes > req.maxBytes) {
        killGroup(child.pid);
        fail('too-large', `${req.what} printed more than ${req.maxBytes} bytes`);
        return;
      }
      stdout.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') fail('missing', `no program at ${req.command}`);
      else if (e.code === 'EACCES') fail('spawn', `${req.command} is not executable (permission denied)`);
      else fail('spawn', `${req.command} could not be started: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      if (code === 0) {
        settled = true;
        disarm();
        resolve({ ok: true, ...text() });
        return;
      }
      const why = lastErrorLine(stderr);
      fail('exit', `${req.what} exited with ${signal ? `signal ${signal}` : `code ${code}`}${why ? `: ${why}` : ''}`);
    });
  });
}
