// Which interpreter and script file a config's `--help` is read from: the script its launch plan runs, with the
// Python of the environment its `accelerate` belongs to, in the plan's cwd and environment.
import { closeSync, existsSync, readSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { homedir } from 'node:os';
import type { SdxlConfig } from '../config/config';
import { accelerateArgv, buildLaunchPlan, LaunchPlanError } from '../launch/launchPlan';
import type { ScriptKind } from '../scripts/scriptTables';
import { openRegularSync } from '../util/regularFile';

export interface HelpTarget {
  kind: ScriptKind;
  python: string;
  /** Absolute path of the script file. */
  script: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Where `python` came from: launch.python, beside accelerate, accelerate's #! line, or the fallback name. */
  pythonFrom?: 'launch.python' | 'beside accelerate' | "accelerate's #! line" | 'default';
}

export interface HelpTargetOptions {
  platform?: NodeJS.Platform;
  home?: string;
  /** The environment the launch would inherit. Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** The interpreter a script's `#!` line names, or undefined (`#!/usr/bin/env python3` → `python3`). */
export function shebangInterpreter(head: string): string | undefined {
  const m = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (!m) return undefined;
  if (/(^|\/)env$/.test(m[1]!) && m[2]) return m[2];
  return m[1];
}

function readHead(file: string): string {
  let fd: number | undefined;
  try {
    fd = openRegularSync(file);
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The interpreter an executable's `#!` line names (pip's console scripts name their venv's python), or undefined. */
export function shebangInterpreterOf(file: string): string | undefined {
  return shebangInterpreter(readHead(file));
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** An executable's path: as given when it holds a separator, else the first match on PATH. */
export function onPath(name: string, env: Record<string, string | undefined>, path: typeof nodePath.posix, platform: NodeJS.Platform): string | undefined {
  if (name.includes('/') || (platform === 'win32' && name.includes('\\'))) return isFile(name) ? name : undefined;
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const d of dirs) for (const ext of exts) if (isFile(path.join(d, name + ext))) return path.join(d, name + ext);
  return undefined;
}

/**
 * The `--help` target of a config stored at `configPath`, or why there is none (a value the launch plan refuses).
 * The interpreter: `launch.python`; else the `python` beside `accelerate` (a venv's bin/ or Scripts\); else the one
 * named by `accelerate`'s `#!` line (pip's console scripts name their interpreter); else `python3` (`python` on Windows).
 */
export function helpTargetOf(config: SdxlConfig, configPath: string, opts: HelpTargetOptions = {}): HelpTarget | { error: string } {
  const platform = opts.platform ?? process.platform;
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const home = opts.home ?? homedir();
  const baseEnv = opts.env ?? process.env;
  let plan;
  let accArgs: string[];
  try {
    plan = buildLaunchPlan(config, configPath, { platform, home });
    accArgs = accelerateArgv(config.launch?.accelerateArgs);
  } catch (e) {
    if (e instanceof LaunchPlanError) return { error: e.message };
    throw e;
  }
  const env = { ...baseEnv, ...plan.env };
  const script = path.resolve(plan.cwd, plan.argv[2 + accArgs.length]!);
  const configDir = path.dirname(path.resolve(configPath));
  const pythonSetting = config.launch?.python;
  let python: string | undefined;
  let pythonFrom: HelpTarget['pythonFrom'] = 'default';
  if (typeof pythonSetting === 'string' && pythonSetting !== '') {
    pythonFrom = 'launch.python';
    const expanded = pythonSetting === '~' || pythonSetting.startsWith('~/') ? path.join(home, pythonSetting.slice(1)) : pythonSetting;
    python = expanded.includes('/') || (platform === 'win32' && expanded.includes('\\')) ? path.resolve(configDir, expanded) : expanded;
  } else {
    const accelerate = onPath(plan.argv[0]!, env, path, platform);
    if (accelerate !== undefined) {
      const sibling = path.join(path.dirname(accelerate), platform === 'win32' ? 'python.exe' : 'python');
      python = existsSync(sibling) ? sibling : shebangInterpreter(readHead(accelerate));
      if (python !== undefined) pythonFrom = existsSync(sibling) ? 'beside accelerate' : "accelerate's #! line";
    }
  }
  return { kind: config.script, python: python ?? (platform === 'win32' ? 'python' : 'python3'), script, cwd: plan.cwd, env, pythonFrom };
}
