// The `*.sdxl.json` config file: its shape, and a tolerant JSONC parse that keeps source positions.
import { createScanner, getNodeValue, parseTree, printParseErrorCode, SyntaxKind, type Node, type ParseError } from 'jsonc-parser';
import { configIndex, lastMember } from './configIndex';
import { isScriptKind, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { kindsInWords } from '../scripts/kinds';

export { pathToPointer, pointerToPath } from '../util/jsonPointer';

/** `accelerate launch` options; names are the launcher's flags without `--`. */
export interface AccelerateOptions {
  config_file?: string;
  num_processes?: number;
  num_machines?: number;
  machine_rank?: number;
  main_process_ip?: string;
  main_process_port?: number;
  mixed_precision?: 'no' | 'fp16' | 'bf16' | 'fp8';
  multi_gpu?: boolean;
  gpu_ids?: string;
  same_network?: boolean;
  rdzv_backend?: string;
  num_cpu_threads_per_process?: number;
  dynamo_backend?: string;
  quiet?: boolean;
}

/**
 * Where and how the run is launched (docs/scale-out.md): `local` one process (the default); `multi-gpu` several
 * processes on this machine (`--multi_gpu --num_processes N [--gpu_ids]`); `multi-node` this machine's share of a job
 * across machines (`--num_machines --machine_rank --main_process_ip/port`); `slurm` an sbatch job on a cluster that runs
 * `srun accelerate launch …` on each of its nodes.
 */
export const LAUNCH_PROFILES = ['local', 'multi-gpu', 'multi-node', 'slurm'] as const;
export type LaunchProfile = (typeof LAUNCH_PROFILES)[number];

export function isLaunchProfile(v: unknown): v is LaunchProfile {
  return typeof v === 'string' && (LAUNCH_PROFILES as readonly string[]).includes(v);
}

/** `launch.slurm`: the sbatch job of the `slurm` profile (core/launch/sbatchScript.ts writes the script). */
export interface SlurmSettings {
  /** `#SBATCH --partition`. Default: the cluster's default partition. */
  partition?: string;
  /** `#SBATCH --account`. */
  account?: string;
  /** `#SBATCH --qos`. */
  qos?: string;
  /** `#SBATCH --nodes` (default 1); accelerate's num_machines. */
  nodes?: number;
  /** GPUs on each node (`#SBATCH --gpus-per-node`), one training process each; 0 for a CPU-only job. Default 1. */
  gpusPerNode?: number;
  /** `#SBATCH --cpus-per-task` (one task per node). */
  cpusPerTask?: number;
  /** `#SBATCH --mem`, e.g. "64G". */
  memory?: string;
  /** `#SBATCH --time`, e.g. "2-00:00:00" or "12:00:00". */
  time?: string;
  /** Port of the rank-0 node's rendezvous (accelerate's main_process_port) when nodes > 1. Default 29500. */
  mainProcessPort?: number;
  /** Shell lines run on the batch node before the launch (e.g. `module load cuda/12.1`, `source venv/bin/activate`). */
  setup?: string[];
  /** More sbatch options, each one word as on sbatch's command line (e.g. "--constraint=a100"). */
  sbatchArgs?: string[];
}

export interface LaunchSettings {
  /** Where and how to launch (default `local`): see LAUNCH_PROFILES. */
  profile?: LaunchProfile;
  /** The sbatch job of the `slurm` profile. */
  slurm?: SlurmSettings;
  /** Python interpreter of the training environment; its folder also supplies `accelerate` unless set. */
  python?: string;
  /** The `accelerate` executable. Default: next to `python` when that is a path, else `accelerate` on PATH. */
  accelerate?: string;
  /** Path of the diffusers training script. Default: the script's file name, in `cwd`. */
  scriptPath?: string;
  accelerateArgs?: AccelerateOptions;
  /** Extra environment variables for the run. */
  env?: Record<string, string>;
  /** Working directory; relative paths are taken from the config file's folder. Default: that folder. */
  cwd?: string;
}

export interface SdxlConfig {
  $schema?: string;
  /** Which diffusers script this config drives. */
  script: ScriptKind;
  /** Optional display name for runs started from this config. */
  name?: string;
  launch?: LaunchSettings;
  /** The script's arguments by argparse dest name (e.g. `learning_rate`). */
  args: Record<string, ArgValue>;
}

export const CONFIG_TOP_LEVEL_KEYS = ['$schema', 'script', 'name', 'launch', 'args'] as const;
export const LAUNCH_KEYS = ['python', 'accelerate', 'scriptPath', 'accelerateArgs', 'env', 'cwd', 'profile', 'slurm'] as const;
export const SLURM_KEYS = [
  'partition',
  'account',
  'qos',
  'nodes',
  'gpusPerNode',
  'cpusPerTask',
  'memory',
  'time',
  'mainProcessPort',
  'setup',
  'sbatchArgs',
] as const;

/** A problem found while reading the file, before any semantic check. Offsets are UTF-16 code units. */
export interface ParseProblem {
  message: string;
  offset: number;
  length: number;
  /** JSON pointer of the value concerned, e.g. `/args/learning_rate`; `` for the document. */
  path: string;
  /** The diagnostic code, where it is not the plain syntax (`json`) or shape (`config-shape`) one. */
  code?: string;
}

export interface ParsedConfig {
  text: string;
  root: Node | undefined;
  /** Present when the document is an object with a known `script`; `args` defaults to `{}`. */
  config: SdxlConfig | undefined;
  /** The raw value of the document, whatever its shape (for diagnostics on bad shapes). */
  raw: unknown;
  problems: ParseProblem[];
}

export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

/**
 * Deeper than this is no training config (they are four levels deep), and the JSONC parser, like every recursive
 * walk of the value after it, would exhaust the stack somewhere past a few thousand levels.
 */
export const MAX_NESTING = 64;

/** Offset of the first `{` or `[` nested more than `max` deep, or -1. A flat token scan: safe at any depth. */
function tooDeepAt(text: string, max: number): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let t = scanner.scan(); t !== SyntaxKind.EOF; t = scanner.scan()) {
    if (t === SyntaxKind.OpenBraceToken || t === SyntaxKind.OpenBracketToken) {
      if (++depth > max) return scanner.getTokenOffset();
    } else if ((t === SyntaxKind.CloseBraceToken || t === SyntaxKind.CloseBracketToken) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/**
 * A range moved inside a text of `size` characters. jsonc-parser's errors and nodes can run one character past the end
 * of a text cut inside a comment; every range reported (parse problems, diagnostics) goes through this one clamp.
 */
export function rangeInside(size: number, offset: number, length: number): { offset: number; length: number } {
  const at = Math.max(0, Math.min(offset, size));
  return { offset: at, length: Math.max(0, Math.min(length, size - at)) };
}

export function parseConfigText(text: string): ParsedConfig {
  const problems: ParseProblem[] = [];
  if (text.length > MAX_CONFIG_BYTES) {
    problems.push({
      message: `Config file is ${(text.length / 1048576).toFixed(1)} MB; configs over ${MAX_CONFIG_BYTES / 1048576} MB are not read.`,
      offset: 0,
      length: 0,
      path: '',
    });
    return { text, root: undefined, config: undefined, raw: undefined, problems };
  }
  const deep = tooDeepAt(text, MAX_NESTING);
  if (deep >= 0) {
    problems.push({
      message: `Nested too deeply (more than ${MAX_NESTING} levels) at line ${lineColumn(text, deep).line}: a training config is a few levels deep, so this file is not read.`,
      offset: deep,
      length: 1,
      path: '',
      code: 'too-deep',
    });
    return { text, root: undefined, config: undefined, raw: undefined, problems };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const e of errors) {
    problems.push({ message: `Invalid JSON: ${printParseErrorCode(e.error)}`, ...rangeInside(text.length, e.offset, e.length), path: '' });
  }
  const raw = root ? getNodeValue(root) : undefined;
  let config: SdxlConfig | undefined;
  if (!root || root.type !== 'object') {
    if (root) problems.push({ message: 'A training config must be a JSON object.', ...rangeInside(text.length, root.offset, root.length), path: '' });
    return { text, root, config, raw, problems };
  }
  const obj = raw as Record<string, unknown>;
  // Where a key repeats, the value in effect is the last one (as in getNodeValue and JSON.parse).
  const scriptNode = lastMember(root, 'script');
  if (!scriptNode) {
    problems.push({ message: `Missing "script": one of ${kindsInWords({ quote: true, or: false })}.`, offset: root.offset, length: 1, path: '/script' });
  } else if (!isScriptKind(obj.script)) {
    problems.push({
      message: `Unknown script ${JSON.stringify(obj.script)}: expected ${kindsInWords({ quote: true, or: true })}.`,
      offset: scriptNode.offset,
      length: scriptNode.length,
      path: '/script',
    });
  }
  const argsNode = lastMember(root, 'args');
  if (argsNode && argsNode.type !== 'object') {
    problems.push({ message: '"args" must be an object of script arguments.', offset: argsNode.offset, length: argsNode.length, path: '/args' });
  }
  if (isScriptKind(obj.script)) {
    const args = argsNode?.type === 'object' ? (obj.args as Record<string, ArgValue>) : {};
    const launch = obj.launch && typeof obj.launch === 'object' && !Array.isArray(obj.launch) ? (obj.launch as LaunchSettings) : undefined;
    config = {
      ...(typeof obj.$schema === 'string' ? { $schema: obj.$schema } : {}),
      script: obj.script,
      ...(typeof obj.name === 'string' ? { name: obj.name } : {}),
      ...(launch ? { launch } : {}),
      args,
    };
  }
  return { text, root, config, raw, problems };
}

/** Source range of the value (or, with `key`, the property name) at a pointer; falls back to the nearest ancestor. */
export function rangeOf(parsed: ParsedConfig, pointer: string, key = false): { offset: number; length: number } {
  return configIndex(parsed).range(pointer, key);
}

/** 1-based line and column of an offset, as editors and the CLI print them. One lookup: for many, see LineIndex. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
