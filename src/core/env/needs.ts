// What a config needs from its Python environment: the packages its script imports, and those its arguments ask
// for (use_8bit_adam → bitsandbytes, report_to → tensorboard / wandb, the xformers switch → xformers), each with the
// config key that asks (a JSON pointer, where a diagnostic goes) and how bad its absence is.
import type { SdxlConfig } from '../config/config';
import type { ScriptKind } from '../scripts/kinds';
import type { ProbedPackage } from './probeSource';

export interface PackageNeed {
  pkg: ProbedPackage;
  /** JSON pointer of the config value that asks for it ('' for the script itself). */
  path: string;
  /** Why it is needed, as a sentence ends: "use_8bit_adam is on". */
  why: string;
  /** error: the script stops without it; warn: it runs, but something the user expects is missing. */
  severity: 'error' | 'warn';
}

export interface EnvNeeds {
  kind?: ScriptKind;
  packages: PackageNeed[];
  /** The mixed precision the run asks for, and where. */
  mixedPrecision?: { value: string; path: string };
  /** The script file the config runs, and the diffusers release it demands (its check_min_version), when read. */
  scriptPath?: string;
  diffusersMinimum?: string;
  /** Why the script's minimum is unknown (the file cannot be read). */
  diffusersMinimumError?: string;
}

/** What every diffusers training script imports at the top. */
const BASE: ReadonlyArray<ProbedPackage> = ['torch', 'torchvision', 'diffusers', 'accelerate', 'transformers'];

function reportTargets(v: unknown): string[] {
  if (typeof v !== 'string') return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The needs of a config; without one, what every script needs. */
export function envNeedsOf(config?: SdxlConfig): EnvNeeds {
  const packages: PackageNeed[] = BASE.map((pkg) => ({ pkg, path: '', why: 'every diffusers training script imports it', severity: 'error' }));
  if (!config) return { packages };
  const args = config.args;
  const kind = config.script;
  if (kind === 'lora' || kind === 'dreambooth-lora') packages.push({ pkg: 'peft', path: '/script', why: 'the LoRA scripts import it', severity: 'error' });
  if (kind === 'full' || kind === 'lora') packages.push({ pkg: 'datasets', path: '/script', why: 'the text-to-image scripts import it', severity: 'error' });
  else if (typeof args.dataset_name === 'string' && args.dataset_name !== '') {
    packages.push({ pkg: 'datasets', path: '/args/dataset_name', why: 'dataset_name is set', severity: 'error' });
  }
  // The scripts' default is tensorboard; without it accelerate drops the tracker silently and no curves appear.
  const report = 'report_to' in args ? reportTargets(args.report_to) : ['tensorboard'];
  const reportPath = 'report_to' in args ? '/args/report_to' : '/args';
  if (report.includes('tensorboard')) {
    packages.push({ pkg: 'tensorboard', path: reportPath, why: `report_to is tensorboard${reportPath === '/args' ? ' (the default)' : ''}`, severity: 'warn' });
  }
  if (report.includes('wandb')) packages.push({ pkg: 'wandb', path: reportPath, why: 'report_to is wandb', severity: 'error' });
  if (args.use_8bit_adam === true) packages.push({ pkg: 'bitsandbytes', path: '/args/use_8bit_adam', why: 'use_8bit_adam is on', severity: 'error' });
  if (args.enable_xformers_memory_efficient_attention === true) {
    packages.push({
      pkg: 'xformers',
      path: '/args/enable_xformers_memory_efficient_attention',
      why: 'enable_xformers_memory_efficient_attention is on',
      severity: 'error',
    });
  }
  const own = args.mixed_precision;
  const acc = config.launch?.accelerateArgs?.mixed_precision as unknown;
  const mixedPrecision =
    typeof own === 'string'
      ? { value: own, path: '/args/mixed_precision' }
      : typeof acc === 'string'
        ? { value: acc, path: '/launch/accelerateArgs/mixed_precision' }
        : undefined;
  return { kind, packages, ...(mixedPrecision ? { mixedPrecision } : {}) };
}
