// The doctor's verdict: a probe of an interpreter (probe.ts) against what a config needs (needs.ts) → checks, each
// ok / warn / error with a message and, for a problem, its fix. Pure: tests feed it probes.
import type { EnvProbe } from './probe';
import type { EnvNeeds } from './needs';
import type { ProbedPackage } from './probeSource';
import { atLeast } from './version';

export type CheckStatus = 'ok' | 'warn' | 'error';

/** What to do about a problem. An argv runs in a terminal the user watches (never a shell string). */
export type EnvFix =
  { kind: 'argv'; title: string; argv: string[] } | { kind: 'command'; title: string; command: string } | { kind: 'link'; title: string; url: string };

export interface EnvCheck {
  id: string;
  status: CheckStatus;
  message: string;
  fix?: EnvFix;
}

/** Part B's "SDXL: Set Up Training Environment…". */
export const SETUP_ENVIRONMENT_COMMAND = 'sdxl.setupEnvironment';
const SETUP_FIX: EnvFix = { kind: 'command', title: 'Set Up Training Environment…', command: SETUP_ENVIRONMENT_COMMAND };
const TORCH_GET_STARTED = 'https://pytorch.org/get-started/locally/';

/** `PYTHON -m pip install SPEC…` for that interpreter. */
export function pipInstallArgv(python: string, specs: string[]): string[] {
  return [python, '-m', 'pip', 'install', ...specs];
}

export function pipFix(python: string, spec: string): EnvFix {
  return { kind: 'argv', title: `pip install ${spec}`, argv: pipInstallArgv(python, [spec]) };
}

/** `accelerate config default` run by the interpreter itself (no console script on PATH needed). */
export function accelerateConfigDefaultArgv(python: string): string[] {
  return [python, '-m', 'accelerate.commands.accelerate_cli', 'config', 'default'];
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** The message and fix for a package that is missing or does not import, or undefined when it is fine. */
export function packageProblem(probe: EnvProbe, pkg: ProbedPackage, python: string): { message: string; fix: EnvFix } | undefined {
  const broken = probe.brokenImports[pkg];
  const version = probe.packages[pkg];
  if (version !== null && broken === undefined) return undefined;
  const torchLike = pkg === 'torch' || pkg === 'torchvision';
  if (version === null) return { message: `${pkg} is not installed in ${python}`, fix: torchLike ? SETUP_FIX : pipFix(python, pkg) };
  // Installed but broken (built for another torch or CUDA): a newer build is the usual way out.
  const upgrade: EnvFix = { kind: 'argv', title: `pip install --upgrade ${pkg}`, argv: pipInstallArgv(python, ['--upgrade', pkg]) };
  return { message: `${pkg} ${version} is installed in ${python} but does not import: ${broken}`, fix: torchLike ? SETUP_FIX : upgrade };
}

export function diffusersFix(python: string, minimum: string): EnvFix {
  // A script from diffusers' main branch demands a .dev release that PyPI does not have: the source is the way.
  return /dev/.test(minimum)
    ? { kind: 'argv', title: 'pip install diffusers from source', argv: pipInstallArgv(python, ['git+https://github.com/huggingface/diffusers']) }
    : pipFix(python, `diffusers>=${minimum}`);
}

export function assessEnvironment(probe: EnvProbe, needs: EnvNeeds, python: string): EnvCheck[] {
  const checks: EnvCheck[] = [];
  checks.push({ id: 'python', status: 'ok', message: `Python ${probe.python.version} (${probe.python.executable})` });
  if (probe.metadataError)
    checks.push({ id: 'python-metadata', status: 'warn', message: `package versions could not be read: ${probe.metadataError}`, fix: SETUP_FIX });

  // torch and CUDA
  const torch = probe.torch;
  const torchProblem = packageProblem(probe, 'torch', python);
  if (torchProblem || !torch) {
    checks.push({ id: 'torch', status: 'error', message: torchProblem?.message ?? `torch does not import in ${python}`, fix: SETUP_FIX });
  } else {
    checks.push({
      id: 'torch',
      status: 'ok',
      message: `torch ${torch.version}${torch.cuda ? ` (CUDA ${torch.cuda} build)` : ' (CPU-only build: torch.version.cuda is None)'}`,
    });
    if (torch.cuda === null) {
      checks.push({
        id: 'cuda',
        status: 'warn',
        message: 'CUDA: not available, this torch is built without CUDA, so training runs on the CPU (very slowly). Install a CUDA build of torch for a GPU.',
        fix: { kind: 'link', title: 'PyTorch: install a CUDA build', url: TORCH_GET_STARTED },
      });
    } else if (!torch.cudaAvailable) {
      checks.push({
        id: 'cuda',
        status: 'warn',
        message: `CUDA: torch is built for CUDA ${torch.cuda} but torch.cuda.is_available() is False${torch.cudaError ? ` (${torch.cudaError})` : ''}: no GPU is visible, or the NVIDIA driver is older than this CUDA build needs. Training would run on the CPU.`,
        fix: { kind: 'link', title: 'PyTorch: match the build to your driver', url: TORCH_GET_STARTED },
      });
    } else {
      const gpus = torch.gpus.map((g, i) => `GPU ${i}: ${g.name}, ${gib(g.totalMemoryBytes)}, compute capability ${g.capability}`);
      checks.push({
        id: 'cuda',
        status: 'ok',
        message: `CUDA works: ${torch.gpus.length} GPU${torch.gpus.length === 1 ? '' : 's'}${gpus.length ? ` (${gpus.join('; ')})` : ''}`,
      });
    }
    const mp = needs.mixedPrecision?.value;
    if (mp === 'bf16' && torch.cudaAvailable) {
      const old = torch.gpus.filter((g) => Number(g.capability.split('.')[0]) < 8);
      if (old.length > 0) {
        checks.push({
          id: 'bf16',
          status: 'warn',
          message: `mixed_precision is bf16, but ${old.map((g) => `${g.name} (compute capability ${g.capability})`).join(', ')} has no native bf16 (it needs 8.0, Ampere or newer): use fp16 with the fp16-fixed VAE.`,
        });
      }
    }
    if (mp === 'fp16' && !torch.cudaAvailable) {
      checks.push({
        id: 'fp16-cpu',
        status: 'error',
        message: 'mixed_precision is fp16, but no GPU is usable: accelerate refuses fp16 on the CPU. Use "no" (or bf16) there.',
      });
    }
  }

  // diffusers against the script's minimum
  const diffusers = probe.packages.diffusers;
  const dProblem = packageProblem(probe, 'diffusers', python);
  if (dProblem || diffusers === null) {
    checks.push({
      id: 'diffusers',
      status: 'error',
      message: dProblem?.message ?? 'diffusers is not installed',
      fix: needs.diffusersMinimum ? diffusersFix(python, needs.diffusersMinimum) : pipFix(python, 'diffusers'),
    });
  } else if (needs.diffusersMinimum) {
    const enough = atLeast(diffusers, needs.diffusersMinimum);
    const script = needs.scriptPath ? ` (check_min_version in ${needs.scriptPath})` : '';
    if (enough === false) {
      checks.push({
        id: 'diffusers',
        status: 'error',
        message: `diffusers ${diffusers} is older than ${needs.diffusersMinimum}, the minimum the script demands${script}: it stops at import.`,
        fix: diffusersFix(python, needs.diffusersMinimum),
      });
    } else if (enough === undefined) {
      checks.push({
        id: 'diffusers',
        status: 'warn',
        message: `diffusers ${diffusers}: cannot compare with the script's minimum ${needs.diffusersMinimum}${script}`,
      });
    } else {
      checks.push({ id: 'diffusers', status: 'ok', message: `diffusers ${diffusers} (the script needs ${needs.diffusersMinimum} or newer${script})` });
    }
  } else {
    const why = needs.diffusersMinimumError ? ` (the script's minimum is unknown: ${needs.diffusersMinimumError})` : '';
    checks.push({ id: 'diffusers', status: why ? 'warn' : 'ok', message: `diffusers ${diffusers}${why}` });
  }

  // accelerate and its config
  const aProblem = packageProblem(probe, 'accelerate', python);
  checks.push(
    aProblem ? { id: 'accelerate', status: 'error', ...aProblem } : { id: 'accelerate', status: 'ok', message: `accelerate ${probe.packages.accelerate}` },
  );
  const ac = probe.accelerateConfig;
  if (!ac.exists) {
    checks.push({
      id: 'accelerate-config',
      status: ac.explicit ? 'error' : 'warn',
      message: ac.explicit
        ? `accelerate config: ${ac.path} (the launch's config_file) does not exist`
        : `accelerate config: none at ${ac.path}; accelerate launch guesses its settings and warns. Write one with \`accelerate config default\` (HF_HOME decides where it goes).`,
      ...(ac.explicit || aProblem ? {} : { fix: { kind: 'argv', title: 'accelerate config default', argv: accelerateConfigDefaultArgv(python) } }),
    });
  } else if (ac.error || !ac.values) {
    checks.push({ id: 'accelerate-config', status: 'warn', message: `accelerate config ${ac.path} cannot be read: ${ac.error ?? 'no settings in it'}` });
  } else {
    const v = ac.values;
    const said = (['num_processes', 'mixed_precision', 'distributed_type'] as const).map((k) => `${k} ${v[k] === undefined ? '(unset)' : String(v[k])}`);
    checks.push({
      id: 'accelerate-config',
      status: 'ok',
      message: `accelerate config ${ac.path}: ${said.join(', ')}${v.use_cpu === true ? ', use_cpu true' : ''}`,
    });
    if (v.use_cpu === true && torch?.cudaAvailable) {
      checks.push({
        id: 'accelerate-cpu',
        status: 'warn',
        message: `accelerate config ${ac.path} says use_cpu: true although CUDA works: training would not use the GPU.`,
        fix: { kind: 'argv', title: 'accelerate config default', argv: accelerateConfigDefaultArgv(python) },
      });
    }
  }

  // The remaining packages: those the script imports and those the config asks for.
  const done = new Set<string>(['torch', 'diffusers', 'accelerate']);
  for (const need of needs.packages) {
    if (done.has(need.pkg)) continue;
    done.add(need.pkg);
    const p = packageProblem(probe, need.pkg, python);
    if (p) checks.push({ id: need.pkg, status: need.severity, message: `${p.message.replace(/\.$/, '')}; needed because ${need.why}.`, fix: p.fix });
    else checks.push({ id: need.pkg, status: 'ok', message: `${need.pkg} ${probe.packages[need.pkg]}` });
  }
  // Not needed but installed and broken: worth saying (a broken xformers can still break diffusers' imports).
  for (const [pkg, err] of Object.entries(probe.brokenImports)) {
    if (!done.has(pkg)) checks.push({ id: pkg, status: 'warn', message: `${pkg} is installed but does not import: ${err}` });
  }
  return checks;
}

export function worstStatus(checks: readonly EnvCheck[]): CheckStatus {
  return checks.some((c) => c.status === 'error') ? 'error' : checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
}
