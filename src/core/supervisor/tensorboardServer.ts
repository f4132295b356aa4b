// TensorBoard started by us for a run's logs dir: the run's own interpreter (`PYTHON -m tensorboard`), on 127.0.0.1 and
// a port the OS gave free, waited for until it answers HTTP; one server per logs dir, each in its own process group,
// all killed together when the window closes. Whether the interpreter has tensorboard is asked first
// (`PYTHON -c "import tensorboard"`, bounded), so a missing package is told apart from a server that failed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as nodePath from 'node:path';
import { runBounded } from '../util/boundedRun';
import { redactText } from '../util/redact';
import { onPath, shebangInterpreterOf } from '../scriptHelp/helpTarget';
import type { LaunchPlan } from './types';

/**
 * The interpreter a recorded run trained with: the `python` beside its `accelerate` (argv[0], a venv's bin/), else the
 * one `accelerate`'s `#!` line names, else `python3` (`python` on Windows): as helpTargetOf finds it for a config.
 */
export function runInterpreter(
  plan: Pick<LaunchPlan, 'argv' | 'env'>,
  baseEnv: Record<string, string | undefined> = process.env,
  platform = process.platform,
): string {
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const env = { ...baseEnv, ...plan.env };
  const argv0 = plan.argv[0];
  const fallback = platform === 'win32' ? 'python' : 'python3';
  if (!argv0) return fallback;
  // A plan may start python itself (`python -m accelerate…`).
  if (/^python(3(\.\d+)?)?(\.exe)?$/i.test(path.basename(argv0))) return argv0;
  const accelerate = onPath(argv0, env, path, platform);
  if (!accelerate) return fallback;
  const sibling = path.join(path.dirname(accelerate), platform === 'win32' ? 'python.exe' : 'python');
  if (existsSync(sibling)) return sibling;
  return shebangInterpreterOf(accelerate) ?? fallback;
}

export type TensorBoardCheck = { installed: true } | { installed: false; missing: boolean; reason: string };

/** `PYTHON -c "import tensorboard"`: installed, missing (ModuleNotFoundError), or the interpreter did not run at all. */
export async function checkTensorBoard(python: string, env: Record<string, string | undefined>): Promise<TensorBoardCheck> {
  const r = await runBounded({
    command: python,
    args: ['-c', 'import tensorboard'],
    env,
    timeoutMs: 60_000,
    maxBytes: 64 * 1024,
    what: `${python} -c "import tensorboard"`,
  });
  if (r.ok) return { installed: true };
  const missing = r.failure === 'exit' && /No module named ['"]?tensorboard/.test(r.stderr);
  return { installed: false, missing, reason: r.reason };
}

/** A port nothing listens on now: the OS's choice for a socket bound to port 0, released at once. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was given'))));
    });
  });
}

/** Whether `url` answers HTTP at all (any status), within `timeoutMs`. */
function answers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(true);
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
  });
}

export interface TensorBoardOptions {
  python: string;
  logDir: string;
  env: Record<string, string | undefined>;
  /** How long TensorBoard may take to answer (its imports are slow on a busy machine). Default 90 s. */
  startTimeoutMs?: number;
}

/** A TensorBoard we started; `stop` kills its process group and resolves when the leader is gone. */
export class TensorBoardServer {
  private exitedFlag = false;
  readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logDir: string,
  ) {
    this.exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
      // A spawn that failed (no such interpreter) never exits.
      child.once('error', () => child.pid === undefined && resolve());
    }).then(() => void (this.exitedFlag = true));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exitedFlag;
  }

  /** SIGKILL to the whole group now, without waiting (a window closing cannot wait). */
  killNow(): void {
    if (!this.exitedFlag) killGroup(this.child.pid, 'SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.exitedFlag) return;
    killGroup(this.child.pid, 'SIGTERM');
    const killed = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref())]);
    if (!killed) killGroup(this.child.pid, 'SIGKILL');
    // Helpers it started die with the group even when the leader went at SIGTERM.
    killGroup(this.child.pid, 'SIGKILL');
    await this.exited;
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') process.kill(pid, signal);
    else process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const STDERR_TAIL = 4096;

/**
 * Starts `PYTHON -m tensorboard --logdir DIR --host 127.0.0.1 --port P` in its own process group and resolves once it
 * answers HTTP; rejects (the process killed) when it exits first or does not answer in time, with its last output.
 */
export async function startTensorBoard(opts: TensorBoardOptions): Promise<TensorBoardServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const child = spawn(opts.python, ['-m', 'tensorboard', '--logdir', opts.logDir, '--host', host, '--port', String(port)], {
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  let output = '';
  const keep = (b: Buffer) => void (output = (output + b.toString('utf8')).slice(-STDERR_TAIL));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://${host}:${port}/`;
  const server = new TensorBoardServer(child, url, opts.logDir);
  const spawnError = new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  let failure: string | undefined;
  for (;;) {
    const outcome = await Promise.race([
      answers(url, 1000).then((ok) => (ok ? 'up' : 'no')),
      server.exited.then(() => 'exited' as const),
      spawnError.then((m) => `spawn:${m}`),
    ]);
    if (outcome === 'up') return server;
    if (outcome === 'exited') failure = `TensorBoard exited before it answered (code ${child.exitCode ?? child.signalCode})`;
    else if (outcome.startsWith('spawn:')) failure = `${opts.python} could not be started: ${outcome.slice(6)}`;
    else if (Date.now() > deadline) failure = `TensorBoard did not answer on ${url} within ${Math.round((opts.startTimeoutMs ?? 90_000) / 1000)} s`;
    if (failure) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await server.stop();
  const last = output.trim().split(/\r?\n/).slice(-3).join(' | ');
  throw new Error(redactText(last ? `${failure}: ${last}` : failure));
}

/** One TensorBoard per logs dir: a second open of the same dir gets the running one (or the one starting). */
export class TensorBoards {
  private readonly servers = new Map<string, Promise<TensorBoardServer>>();
  private readonly running = new Set<TensorBoardServer>();

  constructor(private readonly start: (opts: TensorBoardOptions) => Promise<TensorBoardServer> = startTensorBoard) {}

  async open(opts: TensorBoardOptions): Promise<{ server: TensorBoardServer; reused: boolean }> {
    const key = nodePath.resolve(opts.logDir);
    const existing = this.servers.get(key);
    if (existing) {
      const server = await existing.catch(() => undefined);
      if (server?.alive) return { server, reused: true };
      if (this.servers.get(key) === existing) this.servers.delete(key);
    }
    const starting = this.start(opts);
    this.servers.set(key, starting);
    try {
      const server = await starting;
      this.running.add(server);
      void server.exited.then(() => this.running.delete(server));
      return { server, reused: false };
    } catch (e) {
      if (this.servers.get(key) === starting) this.servers.delete(key);
      throw e;
    }
  }

  /** Every server started here, stopped (process groups killed); one still starting is stopped once it is up. */
  async stopAll(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((p) => p.then((s) => s.stop()).catch(() => undefined)));
  }

  /** For a window closing: the running servers' groups killed synchronously, those still starting as soon as they are up. */
  dispose(): void {
    for (const p of this.servers.values()) void p.then((s) => s.killNow()).catch(() => undefined);
    for (const s of this.running) s.killNow();
    this.running.clear();
    this.servers.clear();
  }
}
