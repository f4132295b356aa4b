// The detached wrapper: parent of the training process, so the run survives the editor. It starts plan.argv
// (no shell) as the leader of a new process group with console.log as its stdout and stderr (the run's secrets,
// which run.json does not keep, merged into its environment: secrets.ts), records pid and start
// time, waits, kills leftovers of the group, writes exit.json and the final state, then pumps the queue.
// While it lives it is the only writer of run.json; a failed record write is remembered, never fatal to the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { WRAPPER_PREFIX } from '../run/events';
import { writeJsonRecord } from './atomicFile';
import { selfLauncher } from './launcher';
import { MACHINE_KEY_ENV } from './machineKey';
import { finalState } from './liveness';
import { waitUntil } from './poll';
import { recordedStartTime, runProcesses, signalRun, type StopSignal } from './processTree';
import { pumpQueue } from './queue';
import { readRecord, recordFiles } from './runRecord';
import { unspawnableReason } from './spawnCheck';
import { SECRETS_ENV, mergeSecrets, parseSecrets, takeSecretsFile } from './secrets';
import type { ExitInfo, RunRecord } from './types';
import { errText } from '../util/errText';

export interface WrapperOptions {
  /** How long leftovers of the group get after SIGTERM before SIGKILL, once the leader has exited. */
  leftoverGraceMs?: number;
  /** Start the next queued runs when this one ends (default true). */
  pump?: boolean;
}

/** The environment the training gets: ours plus the plan's, without the Electron-as-Node switch meant for us. */
export function childEnv(planEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['ELECTRON_RUN_AS_NODE'];
  delete env[MACHINE_KEY_ENV]; // for the wrapper's queue pump; the training has no use for it
  // Python block-buffers a piped stdout; the scripts' resume messages would arrive late without this.
  env['PYTHONUNBUFFERED'] = '1';
  return { ...env, ...planEnv };
}

export async function runWrapper(recordDir: string, opts: WrapperOptions = {}): Promise<number> {
  // The run's secrets (secrets.ts): out of our own environment at once, so a queued run we start later does not
  // inherit them, and its secrets file deleted as the run starts, whatever happens next.
  const secrets = { ...takeSecretsFile(recordDir), ...parseSecrets(process.env[SECRETS_ENV]) };
  delete process.env[SECRETS_ENV];
  const files = recordFiles(recordDir);
  let current: RunRecord;
  try {
    current = readRecord(recordDir);
  } catch (e) {
    const error = errText(e);
    tryWrite(files.exit, { exitCode: null, signal: null, endedAt: new Date().toISOString(), stopRequested: false, error } satisfies ExitInfo);
    return 2;
  }
  const writeErrors = new Map<string, string>();
  const write = (path: string, value: unknown) => {
    const failed = tryWrite(path, value);
    if (!failed || writeErrors.has(failed.key)) return;
    writeErrors.set(failed.key, failed.message);
    // Told where the user is looking while the training goes on: console.log exists, so appending to it needs no
    // new inode or temporary copy, and the monitor shows `[sdxl-trainer] ` lines as notices on the run.
    try {
      appendFileSync(files.console, `\n${WRAPPER_PREFIX}${failed.message}\n`, { mode: 0o600 });
    } catch {
      // nowhere left to write; reconcile() notes the missing exit status
    }
  };
  const save = (patch: Partial<RunRecord>) => {
    current = { ...current, ...patch };
    write(files.run, current);
  };
  const finish = async (exit: ExitInfo): Promise<number> => {
    write(files.exit, exit);
    // Why it ended without an exit status (it could not start, say) belongs in run.json too, where lists show notes.
    const notes = [
      exit.exitCode === null && exit.signal === null ? exit.error : undefined,
      writeErrors.size ? `some run record writes failed: ${[...writeErrors.values()].join('; ')}` : undefined,
    ].filter(Boolean);
    const note = notes.length ? notes.join('; ') : current.note;
    save({ state: finalState(exit), exitCode: exit.exitCode, signal: exit.signal, endedAt: exit.endedAt, ...(note ? { note } : {}) });
    if (opts.pump !== false) {
      try {
        await pumpQueue(dirname(recordDir), selfLauncher());
      } catch {
        // the extension pumps again when it next looks at the queue
      }
    }
    return 0;
  };

  save({ wrapperPid: process.pid, wrapperStartTime: await recordedStartTime(process.pid) });
  if (existsSync(files.stop)) {
    return finish({ exitCode: null, signal: null, endedAt: new Date().toISOString(), stopRequested: true, error: 'stopped before it started' });
  }

  let fd: number;
  try {
    // Owner-only: the training prints what it likes (its arguments, its environment) into it.
    fd = openSync(files.console, 'a', 0o600);
  } catch (e) {
    const error = `cannot open ${files.console}: ${(e as Error).message}`;
    return finish({ exitCode: null, signal: null, endedAt: new Date().toISOString(), stopRequested: false, error });
  }

  const [command, ...args] = current.plan.argv;
  const { env: planEnv, missing } = mergeSecrets(current.plan.env, secrets);
  if (missing.length) {
    try {
      writeSync(
        fd,
        `${WRAPPER_PREFIX}${missing.join(', ')} not passed to the training: run records do not keep secret values, and this start did not bring them (start the run from its config again)\n`,
      );
    } catch {
      // the training starts anyway; the variable is simply not set
    }
  }
  // A plan the OS cannot take makes spawn throw synchronously: record why, as for a program that cannot start.
  const cannot = (error: string): Promise<number> => {
    try {
      writeSync(fd, `${WRAPPER_PREFIX}${error}\n`);
    } catch {
      // the record carries the error too
    }
    closeSync(fd);
    return finish({ exitCode: null, signal: null, endedAt: new Date().toISOString(), stopRequested: existsSync(files.stop), error });
  };
  const unspawnable = unspawnableReason({ ...current.plan, env: planEnv });
  if (unspawnable) return cannot(`cannot start: ${unspawnable}`);
  let child: ChildProcess;
  try {
    child = spawn(command!, args, {
      cwd: current.plan.cwd,
      env: childEnv(planEnv),
      stdio: ['ignore', fd, fd],
      // Unix: setsid, so the training leads its own group and a stop can signal all of it without hitting us.
      // Windows: no groups; taskkill /T walks the tree from the training pid instead.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
  } catch (e) {
    return cannot(`could not start '${command}': ${errText(e)}`);
  }
  const started = await new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', (e) => res(e));
  });
  if (started || child.pid === undefined) return cannot(`could not start '${command}': ${started?.message ?? 'no pid'}`);
  closeSync(fd); // the child holds its own copy
  const pid = child.pid;
  const pgid = process.platform === 'win32' ? undefined : pid;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));

  // Someone signalling the wrapper means "stop the run"; the wrapper itself stays to record the outcome.
  const forward = (sig: StopSignal) => () => void signalRun(pgid, pgid === undefined ? [pid] : [], sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGTERM'));

  save({ state: 'running', pid, pgid, procStartTime: await recordedStartTime(pid), startedAt: new Date().toISOString() });
  // A stop requested while we were starting: begin it here; the supervisor escalates once it sees the pid.
  if (existsSync(files.stop)) await signalRun(pgid, [], 'SIGINT');

  const { code, signal } = await exited;
  let leftoverKilled = 0;
  if (pgid !== undefined) {
    const left = await runProcesses(pgid, []);
    if (left.length) {
      leftoverKilled = left.length;
      await signalRun(pgid, [], 'SIGTERM');
      const grace = opts.leftoverGraceMs ?? 5000;
      const noneLeft = async () => (await runProcesses(pgid, [])).length === 0;
      if (!(await waitUntil(noneLeft, grace))) {
        await signalRun(pgid, [], 'SIGKILL');
        await waitUntil(noneLeft, 5000);
      }
    }
  }
  return finish({
    exitCode: code,
    signal,
    endedAt: new Date().toISOString(),
    stopRequested: existsSync(files.stop),
    ...(leftoverKilled ? { leftoverKilled } : {}),
  });
}

/**
 * Writes a record file, never throwing. On failure: what to tell the user (and whether it was saved anyway), and a
 * key for the kind of failure (file + cause), so a failure repeated on every write is told once.
 */
function tryWrite(path: string, value: unknown): { message: string; key: string } | undefined {
  const { error, saved } = writeJsonRecord(path, value);
  if (!error) return undefined;
  return { message: saved ? `${error.message}; it was rewritten in place instead` : error.message, key: `${path}|${error.code ?? error.message}|${saved}` };
}
