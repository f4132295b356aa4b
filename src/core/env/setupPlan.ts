// "Set Up Training Environment…" as a pure plan: the user's choices → ordered steps, each a process's argument array
// (never a shell string) or a download / file check the runner does itself (setupRunner.ts). Paths follow the target
// platform, not the one computing the plan, so the Windows plan is tested on Linux.
import * as path from 'node:path';
import type { ScriptKind } from '../scripts/kinds';
import type { Fix } from '../config/fixes';
import { DIFFUSERS_RELEASE, EXAMPLE_SCRIPTS, TORCH_PINS, pinnedRequirements, type TorchVariant } from './setupRelease';

export const DEFAULT_SCRIPTS_BASE_URL = 'https://raw.githubusercontent.com/huggingface/diffusers';

export type ScriptsSource =
  /** Download the kind's script at the release's tag into `dir` (as `dir/examples/<folder>/<script>`). */
  | { from: 'download'; dir: string; baseUrl?: string }
  /** The user's clone of diffusers: its script is checked, not copied. */
  | { from: 'clone'; root: string };

export interface SetupChoices {
  platform: 'posix' | 'win32';
  /** The interpreter that creates the venv (`python3`, `py`, or a path). */
  basePython: string;
  /** Absolute folder of the venv. */
  venvDir: string;
  kind: ScriptKind;
  torch: TorchVariant;
  /** The package index for everything but a torch variant with its own; absent: pip's own (PyPI or the user's pip.conf). */
  indexUrl?: string;
  /** `pip install --upgrade pip` first (default true). */
  upgradePip?: boolean;
  /** Let pip use its download cache (default true; tests turn it off). */
  pipCache?: boolean;
  scripts: ScriptsSource;
  /** The environment the runs get (HF_HOME, where accelerate's config is written); added to every step's. */
  env?: Readonly<Record<string, string>>;
}

export type SetupStep =
  | { kind: 'run'; title: string; argv: string[]; env: Record<string, string>; hint: string }
  | { kind: 'download'; title: string; url: string; dest: string; hint: string }
  | { kind: 'checkScript'; title: string; path: string; release: string; hint: string };

export interface SetupPlan {
  release: string;
  venvDir: string;
  /** The venv's interpreter: what launch.python becomes. */
  python: string;
  accelerate: string;
  /** The training script: what launch.scriptPath becomes. */
  scriptPath: string;
  steps: SetupStep[];
}

/** pip never asks a question and never looks for a newer pip: a setup runs unattended. */
const PIP_ENV = { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' };

/** The venv's executables: `bin/NAME` on POSIX, `Scripts\NAME.exe` on Windows. */
export function venvExecutable(platform: SetupChoices['platform'], venvDir: string, name: string): string {
  return platform === 'win32' ? path.win32.join(venvDir, 'Scripts', `${name}.exe`) : path.posix.join(venvDir, 'bin', name);
}

export function planSetup(c: SetupChoices): SetupPlan {
  const p = c.platform === 'win32' ? path.win32 : path.posix;
  const python = venvExecutable(c.platform, c.venvDir, 'python');
  const accelerate = venvExecutable(c.platform, c.venvDir, 'accelerate');
  const example = EXAMPLE_SCRIPTS[c.kind];
  const env = { ...c.env };
  const pipEnv = { ...env, ...PIP_ENV };
  const pip = (args: string[], indexUrl: string | undefined): string[] => [
    python,
    '-m',
    'pip',
    'install',
    ...(c.pipCache === false ? ['--no-cache-dir'] : []),
    ...(indexUrl ? ['--index-url', indexUrl] : []),
    ...args,
  ];
  const indexHint = c.indexUrl ? `the package index ${c.indexUrl}` : 'PyPI (or the index in your pip.conf)';

  const steps: SetupStep[] = [
    {
      kind: 'run',
      title: `Create the virtual environment ${c.venvDir}`,
      argv: [c.basePython, '-m', 'venv', c.venvDir],
      env,
      hint: `Check that "${c.basePython}" is a Python 3.8–3.12 interpreter with the venv module (Debian/Ubuntu: apt install python3-venv), or pick another base interpreter. If ${c.venvDir} was made by a Python that is gone, delete it first.`,
    },
  ];
  if (c.upgradePip !== false) {
    steps.push({
      kind: 'run',
      title: 'Upgrade pip',
      argv: pip(['--upgrade', 'pip'], c.indexUrl),
      env: pipEnv,
      hint: `Check that ${indexHint} can be reached, or run the setup again without upgrading pip.`,
    });
  }
  const torchIndex = c.torch.indexUrl ?? c.indexUrl;
  steps.push({
    kind: 'run',
    title: `Install ${TORCH_PINS.join(' ')} (${c.torch.label})`,
    argv: pip([...TORCH_PINS], torchIndex),
    env: pipEnv,
    hint: `Check that ${torchIndex ?? 'PyPI'} can be reached and has these versions for this Python and platform (torch 2.2 has wheels for Python 3.8–3.12), or pick another torch variant.`,
  });
  steps.push({
    kind: 'run',
    title: `Install diffusers ${DIFFUSERS_RELEASE} and the ${example.dir}/${example.requirementsFile} requirements`,
    argv: pip([`diffusers==${DIFFUSERS_RELEASE}`, ...pinnedRequirements(c.kind)], c.indexUrl),
    env: pipEnv,
    hint: `pip's last lines above name the package it could not install; check that ${indexHint} can be reached and has it.`,
  });

  let scriptPath: string;
  if (c.scripts.from === 'download') {
    const base = (c.scripts.baseUrl ?? DEFAULT_SCRIPTS_BASE_URL).replace(/\/+$/, '');
    const url = `${base}/v${DIFFUSERS_RELEASE}/examples/${example.dir}/${example.file}`;
    scriptPath = p.join(c.scripts.dir, 'examples', example.dir, example.file);
    steps.push({
      kind: 'download',
      title: `Download ${example.file} (diffusers v${DIFFUSERS_RELEASE})`,
      url,
      dest: scriptPath,
      hint: `Check that ${base} can be reached, or use a clone of diffusers checked out at v${DIFFUSERS_RELEASE} instead.`,
    });
  } else {
    scriptPath = p.join(c.scripts.root, 'examples', example.dir, example.file);
    steps.push({
      kind: 'checkScript',
      title: `Check ${p.join('examples', example.dir, example.file)} in ${c.scripts.root}`,
      path: scriptPath,
      release: DIFFUSERS_RELEASE,
      hint: `Pick the root folder of a diffusers clone, checked out at the release (git -C "${c.scripts.root}" checkout v${DIFFUSERS_RELEASE}), or download the script instead.`,
    });
  }

  steps.push({
    kind: 'run',
    title: 'Write the default accelerate config (accelerate config default)',
    argv: [accelerate, 'config', 'default'],
    env,
    hint: `Run "${accelerate} config" yourself to write it; ${env.HF_HOME ? `HF_HOME is ${env.HF_HOME}` : 'it goes to ~/.cache/huggingface/accelerate'}.`,
  });
  return { release: DIFFUSERS_RELEASE, venvDir: c.venvDir, python, accelerate, scriptPath, steps };
}

/** The config edit offered when the setup is done: the venv's interpreter and the script as the config's launch. */
export function launchFixOf(plan: Pick<SetupPlan, 'python' | 'scriptPath'>): Fix {
  return {
    title: 'Use the environment that was set up',
    edits: [
      { op: 'set', path: '/launch/python', value: plan.python },
      { op: 'set', path: '/launch/scriptPath', value: plan.scriptPath },
    ],
  };
}
