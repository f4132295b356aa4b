// Checks before anything is spawned, each failure worded so the user knows what to fix.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';
import { outputDirOf, scriptIndex } from '../launch/planArgs';
import type { LaunchPlan, RunRecord } from './types';

export type PreflightCode = 'empty-argv' | 'cwd-missing' | 'executable-missing' | 'script-missing' | 'output-dir-busy';

export interface PreflightProblem {
  code: PreflightCode;
  message: string;
}

export class PreflightError extends Error {
  constructor(readonly problems: PreflightProblem[]) {
    super(preflightMessage(problems));
  }
}

/**
 * What the user reads (a notification, the CLI): one sentence for one problem, a short numbered list on one line for
 * several (notifications do not show line breaks).
 */
export function preflightMessage(problems: readonly PreflightProblem[]): string {
  const sentence = (t: string) => (/[.!?]$/.test(t) ? t : `${t}.`);
  if (problems.length === 1) return `Cannot start the run: ${sentence(problems[0]!.message)}`;
  return sentence(`Cannot start the run (${problems.length} problems): ${problems.map((p, i) => `${i + 1}) ${p.message}`).join('; ')}`);
}

/** The config setting a problem is about, as a JSON pointer (the editor puts the cursor there; a missing key falls back to its section). */
export function configPointerOf(problem: PreflightProblem, launch: { accelerate?: unknown } = {}): string {
  switch (problem.code) {
    // argv[0] is launch.accelerate when set, else the accelerate next to launch.python (or on PATH).
    case 'executable-missing':
      return typeof launch.accelerate === 'string' && launch.accelerate ? '/launch/accelerate' : '/launch/python';
    case 'script-missing':
      return '/launch/scriptPath';
    case 'cwd-missing':
      return '/launch/cwd';
    case 'output-dir-busy':
      return '/args/output_dir';
    default:
      return '/launch';
  }
}

/**
 * Whether picking a Python interpreter (setting launch.python) can fix these problems: only a missing launcher that
 * launch.python decides, i.e. when the config does not name launch.accelerate itself.
 */
export function pythonChoiceHelps(problems: readonly PreflightProblem[], launch: { accelerate?: unknown } = {}): boolean {
  return problems.some((p) => p.code === 'executable-missing') && !(typeof launch.accelerate === 'string' && launch.accelerate);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutableFile(path: string): boolean {
  if (!isFile(path)) return false;
  if (process.platform === 'win32') return true;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a command the way spawn will: a name with a path separator is taken relative to `cwd`, a bare name is
 * looked up on `pathVar` (the PATH the child gets). Windows also tries PATHEXT extensions. Undefined if not found.
 */
export function resolveExecutable(command: string, cwd: string, pathVar: string | undefined, pathExt?: string): string | undefined {
  const exts = process.platform === 'win32' ? ['', ...(pathExt ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  const hasSep = command.includes('/') || (process.platform === 'win32' && command.includes('\\'));
  const candidates =
    hasSep || isAbsolute(command)
      ? [resolve(cwd, command)]
      : (pathVar ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(resolve(cwd, d), command));
  for (const c of candidates) for (const e of exts) if (isExecutableFile(c + e)) return c + e;
  return undefined;
}

/** The PATH the child will see: the plan's env wins over the current process's (key case-insensitive on Windows). */
function childEnvValue(plan: LaunchPlan, key: string): string | undefined {
  const find = (env: Record<string, string | undefined>) => {
    if (process.platform !== 'win32') return env[key];
    const k = Object.keys(env).find((n) => n.toUpperCase() === key.toUpperCase());
    return k === undefined ? undefined : env[k];
  };
  return find(plan.env) ?? find(process.env);
}

/**
 * Problems that would make the run fail at once: missing working folder, launcher executable, or training script;
 * another live run writing the same output_dir (`liveRuns` are the records currently alive).
 */
export function preflight(plan: LaunchPlan, liveRuns: readonly RunRecord[] = []): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  if (!plan.argv.length || !plan.argv[0]) {
    return [{ code: 'empty-argv', message: 'the launch plan has no command (argv is empty)' }];
  }
  let cwdOk = true;
  try {
    cwdOk = statSync(plan.cwd).isDirectory();
  } catch {
    cwdOk = false;
  }
  if (!cwdOk) problems.push({ code: 'cwd-missing', message: `working folder ${plan.cwd} does not exist or is not a folder` });

  const exe = plan.argv[0];
  if (!resolveExecutable(exe, plan.cwd, childEnvValue(plan, 'PATH'), childEnvValue(plan, 'PATHEXT'))) {
    const what =
      exe.includes('/') || exe.includes(sep)
        ? `executable ${resolve(plan.cwd, exe)} does not exist`
        : `executable '${exe}' was not found on the PATH the run gets`;
    problems.push({
      code: 'executable-missing',
      message: `${what}; check launch.accelerate / launch.python in the config or activate the Python environment`,
    });
  }

  const si = scriptIndex(plan.argv);
  if (si < 0) {
    problems.push({ code: 'script-missing', message: 'the command has no training script (*.py); check launch.scriptPath' });
  } else {
    const script = resolve(plan.cwd, plan.argv[si]!);
    if (!isFile(script)) {
      problems.push({
        code: 'script-missing',
        message: `training script ${script} does not exist; check launch.scriptPath (clone diffusers and point it at examples/…)`,
      });
    }
  }

  const out = outputDirOf(plan);
  const busy = liveRuns.find((r) => r.outputDir && resolve(r.outputDir) === out);
  if (busy) {
    problems.push({ code: 'output-dir-busy', message: `run ${busy.id} is still writing output_dir ${out}; stop it or choose another output_dir` });
  }
  return problems;
}
