// The doctor: which interpreter to examine (and why), the probe of it, and the assessment against what the config
// needs, as one report for the CLI (`doctor`), "SDXL: Check Environment" and the config diagnostics.
import * as nodePath from 'node:path';
import type { SdxlConfig } from '../config/config';
import { helpTargetOf, onPath } from '../scriptHelp/helpTarget';
import { assessEnvironment, SETUP_ENVIRONMENT_COMMAND, worstStatus, type CheckStatus, type EnvCheck } from './assess';
import { envNeedsOf, type EnvNeeds } from './needs';
import { runProbe, type EnvProbe, type ProbeRunner } from './probe';
import { readScriptMinimum } from './scriptMinimum';
import { describeSetup, readSetupRecord, setupRecordPath } from './setupRecord';

export interface DoctorTarget {
  python: string;
  /** Why this interpreter, in words ("--python", "launch.python in lora.sdxl.json", …). */
  why: string;
  cwd?: string;
  /** The environment the run would get (the config's launch.env over the inherited one). */
  env: Record<string, string | undefined>;
  accelerateConfigFile?: string;
  needs: EnvNeeds;
  /** The config runs a simulation (the demo's stand-in trainer): said in the report, as it needs none of this. */
  simulation?: string;
}

export interface DoctorTargetOptions {
  /** `--python PATH`: wins over everything. */
  python?: string;
  config?: { config: SdxlConfig; path: string };
  /** The Python extension's active interpreter (editor only), used when the config names none. */
  editorInterpreter?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  home?: string;
  /** Reads the script's check_min_version (the editor passes a cached one). */
  readMinimum?: typeof readScriptMinimum;
}

/** The interpreter and needs to examine, or why there are none (a config whose launch plan is refused). */
export function doctorTarget(opts: DoctorTargetOptions): DoctorTarget | { error: string } {
  const platform = opts.platform ?? process.platform;
  const baseEnv = opts.env ?? process.env;
  const fallback = (): { python: string; why: string } => {
    if (opts.editorInterpreter) return { python: opts.editorInterpreter, why: "the Python extension's selected interpreter" };
    const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
    for (const name of platform === 'win32' ? ['python'] : ['python3', 'python']) {
      const found = onPath(name, baseEnv, path, platform);
      if (found) return { python: found, why: `${name} on PATH` };
    }
    return { python: platform === 'win32' ? 'python' : 'python3', why: 'no interpreter configured and none found on PATH' };
  };
  if (!opts.config) {
    const chosen = opts.python ? { python: opts.python, why: '--python' } : fallback();
    return { ...chosen, env: baseEnv, needs: envNeedsOf() };
  }
  const { config, path: configPath } = opts.config;
  const target = helpTargetOf(config, configPath, { env: baseEnv, platform, ...(opts.home ? { home: opts.home } : {}) });
  if ('error' in target) return { error: `${configPath}: ${target.error}` };
  const name = nodePath.basename(configPath);
  const chosen = opts.python
    ? { python: opts.python, why: '--python' }
    : target.pythonFrom === 'launch.python'
      ? { python: target.python, why: `launch.python in ${name}` }
      : target.pythonFrom === 'beside accelerate'
        ? { python: target.python, why: `the python beside launch.accelerate of ${name}` }
        : target.pythonFrom === "accelerate's #! line"
          ? { python: target.python, why: `the #! line of the accelerate that ${name} launches` }
          : fallback();
  const needs = envNeedsOf(config);
  const min = (opts.readMinimum ?? readScriptMinimum)(target.script);
  needs.scriptPath = target.script;
  if ('error' in min) needs.diffusersMinimumError = min.error;
  else if (min.version) needs.diffusersMinimum = min.version;
  const cf = config.launch?.accelerateArgs?.config_file as unknown;
  // As runs/simulation.ts tells a simulated run: the stand-in trainer's marker in launch.env.
  const simulated = config.launch?.env?.['SDXL_STANDIN_TRAINER'] !== undefined;
  return {
    ...chosen,
    ...(simulated ? { simulation: name } : {}),
    cwd: target.cwd,
    env: target.env,
    ...(typeof cf === 'string' && cf !== '' ? { accelerateConfigFile: nodePath.resolve(target.cwd, cf) } : {}),
    needs,
  };
}

export interface DoctorReport {
  python: string;
  why: string;
  status: CheckStatus;
  checks: EnvCheck[];
  /** Absent when the probe failed (then the one check says why). */
  probe?: EnvProbe;
  /** The config file that runs a simulation, when it does (DoctorTarget.simulation). */
  simulation?: string;
}

export async function runDoctor(target: DoctorTarget, opts: { run?: ProbeRunner; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<DoctorReport> {
  const out = await (opts.run ?? runProbe)({
    python: target.python,
    ...(target.cwd !== undefined ? { cwd: target.cwd } : {}),
    env: target.env,
    ...(target.accelerateConfigFile ? { accelerateConfigFile: target.accelerateConfigFile } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const sim = target.simulation !== undefined ? { simulation: target.simulation } : {};
  if (!out.ok) {
    const next =
      out.failure === 'cancelled'
        ? ''
        : out.failure === 'missing'
          ? ' Set launch.python in the config (or pass --python), select an interpreter, or set up a training environment.'
          : out.failure === 'timeout'
            ? ' The interpreter may be stuck (a hung import, a network drive): try it in a terminal with `python -c "import torch"`.'
            : ' The environment may be broken: try it in a terminal, or set up a new one.';
    const check: EnvCheck = {
      id: 'interpreter',
      status: 'error',
      message: `${out.reason}.${next}`,
      fix: { kind: 'command', title: 'Set Up Training Environment…', command: SETUP_ENVIRONMENT_COMMAND },
    };
    return { python: target.python, why: target.why, status: 'error', checks: [check], ...sim };
  }
  const checks = assessEnvironment(out.probe, target.needs, target.python);
  // A venv made by "Set Up Training Environment…" keeps a record: one that did not finish is said here, since the
  // package checks alone cannot tell a half-installed environment from one that only lacks an extra.
  if (out.probe.python.prefix) {
    const setup = describeSetup(await readSetupRecord(setupRecordPath(out.probe.python.prefix)));
    if (setup.state === 'half-done' || setup.state === 'running')
      checks.unshift({
        id: 'setup',
        status: 'warn',
        message: setup.text,
        ...(setup.state === 'half-done' ? { fix: { kind: 'command', title: 'Set Up Training Environment…', command: SETUP_ENVIRONMENT_COMMAND } } : {}),
      });
  }
  return { python: target.python, why: target.why, status: worstStatus(checks), checks, probe: out.probe, ...sim };
}
