// Argument-level checks from the scripts' argparse tables: the CLI has no JSON-schema validator, so these stand in for
// it (types, choices, required, ranges) and add what a schema cannot say (which script a stray key belongs to).
import { CONFIG_TOP_LEVEL_KEYS, isLaunchProfile, LAUNCH_KEYS, LAUNCH_PROFILES, pathToPointer, type ParsedConfig, type SdxlConfig } from '../config/config';
import { SCRIPTS, SCRIPT_KINDS, type ArgSpec, type ScriptKind } from '../scripts/scriptTables';
import { SCRIPT_PROFILES } from '../scripts/profiles';
import { describeValue } from '../launch/launchPlan';
import { builtinTableName, type ArgTableChoice } from '../scriptHelp/scriptTable';
import { normaliseKey } from './suggest';
import type { DiagnosticSink, Fix } from './types';

export const SDXL_BASE_MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';

/** `accelerate launch` flags the config may set, with the JSON type each takes. */
const ACCELERATE_ARG_TYPES: Record<string, 'string' | 'int' | 'boolean'> = {
  config_file: 'string',
  num_processes: 'int',
  num_machines: 'int',
  machine_rank: 'int',
  main_process_ip: 'string',
  main_process_port: 'int',
  mixed_precision: 'string',
  multi_gpu: 'boolean',
  gpu_ids: 'string',
  same_network: 'boolean',
  rdzv_backend: 'string',
  num_cpu_threads_per_process: 'int',
  dynamo_backend: 'string',
  quiet: 'boolean',
  // torch.distributed.run's, which accelerate passes on (multi-process consoles: docs/scale-out.md).
  tee: 'string',
  redirects: 'string',
};
const ACCELERATE_MIXED_PRECISION = ['no', 'fp16', 'bf16', 'fp8'];

/** Trackers accelerate accepts for `--report_to` (a single value; accelerate rejects comma lists). */
export const TRACKERS = ['tensorboard', 'wandb', 'comet_ml', 'mlflow', 'clearml', 'dvclive', 'aim', 'swanlab', 'trackio', 'all'];

const SCHEDULERS = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'piecewise_constant'];

/** Values the scripts check later than argparse (at startup or the first step), so a schema's `choices` miss them. */
const LATE_CHOICES: Partial<Record<string, { values: (kind: ScriptKind) => string[]; severity: 'error' | 'warning'; why: string }>> = {
  prediction_type: {
    values: (k) => [...SCRIPT_PROFILES[k].predictionTypes],
    severity: 'error',
    why: 'the script raises "Unknown prediction type" at the first step',
  },
  lr_scheduler: { values: () => SCHEDULERS, severity: 'error', why: 'diffusers raises "is not a valid SchedulerType"' },
  optimizer: { values: () => ['AdamW', 'prodigy'], severity: 'warning', why: 'the script logs a warning and falls back to AdamW' },
  report_to: { values: () => TRACKERS, severity: 'error', why: 'accelerate raises "Unsupported logging capability"' },
};

interface RangeRule {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  severity: 'error' | 'warning';
  why: string;
}

/** Ranges outside which the script (or torch inside it) fails or silently does nothing. */
const RANGES: Record<string, RangeRule> = {
  proportion_empty_prompts: { min: 0, max: 1, severity: 'error', why: 'the script raises ValueError' },
  timestep_bias_portion: { min: 0, max: 1, severity: 'warning', why: 'it is a fraction of the 1000 timesteps' },
  train_batch_size: { min: 1, severity: 'error', why: 'a batch needs at least one image' },
  sample_batch_size: { min: 1, severity: 'error', why: 'a batch needs at least one image' },
  gradient_accumulation_steps: { min: 1, severity: 'error', why: 'accelerate needs at least 1' },
  max_train_steps: { min: 1, severity: 'error', why: 'the run would do nothing' },
  num_train_epochs: { min: 1, severity: 'warning', why: 'the run would do nothing' },
  checkpointing_steps: { min: 1, severity: 'error', why: 'the script takes global_step % checkpointing_steps (ZeroDivisionError)' },
  validation_epochs: { min: 1, severity: 'error', why: 'the script takes epoch % validation_epochs (ZeroDivisionError)' },
  checkpoints_total_limit: { min: 1, severity: 'warning', why: 'pruning keeps limit-1 old checkpoints before each save' },
  resolution: { min: 8, severity: 'error', why: 'the VAE downsamples by 8' },
  rank: { min: 1, severity: 'error', why: 'peft needs r >= 1' },
  repeats: { min: 1, severity: 'error', why: 'the dataset would be empty' },
  num_validation_images: { min: 0, severity: 'error', why: 'it is a count' },
  num_class_images: { min: 0, severity: 'error', why: 'it is a count' },
  dataloader_num_workers: { min: 0, severity: 'error', why: 'torch DataLoader rejects negative worker counts' },
  lora_dropout: { min: 0, max: 1, maxExclusive: true, severity: 'error', why: 'it is a dropout probability' },
  learning_rate: { min: 0, severity: 'error', why: 'torch raises "Invalid learning rate"' },
  adam_beta1: { min: 0, max: 1, maxExclusive: true, severity: 'error', why: 'torch raises "Invalid beta parameter"' },
  adam_beta2: { min: 0, max: 1, maxExclusive: true, severity: 'error', why: 'torch raises "Invalid beta parameter"' },
  adam_epsilon: { min: 0, severity: 'error', why: 'torch raises "Invalid epsilon value"' },
  adam_weight_decay: { min: 0, severity: 'error', why: 'torch raises "Invalid weight_decay value"' },
  snr_gamma: { min: 0, minExclusive: true, severity: 'warning', why: 'Min-SNR weighting needs a positive gamma' },
  prior_loss_weight: { min: 0, severity: 'warning', why: 'a negative weight rewards drifting from the class' },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON string that holds a number ("1e-4"), for a "convert to number" fix. */
function numericString(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

function unknownKeyFix(path: string[], key: string, target: string): Fix {
  return { title: `Rename "${key}" to "${target}"`, edits: [{ op: 'rename', path: pathToPointer([...path, key]), newKey: target }] };
}

/** Top level, `launch` and `launch.accelerateArgs`: unknown keys and value types. */
export function checkDocumentShape(parsed: ParsedConfig, sink: DiagnosticSink): void {
  const raw = parsed.raw;
  if (!isObject(raw)) return;
  const kind = typeof raw.script === 'string' && (SCRIPT_KINDS as readonly string[]).includes(raw.script) ? (raw.script as ScriptKind) : undefined;
  for (const key of Object.keys(raw)) {
    if ((CONFIG_TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    const ptr = pathToPointer([key]);
    const asArg = kind ? SCRIPTS[kind].byDest.get(normaliseKey(key)) : undefined;
    if (asArg && isObject(raw.args) && !(asArg.dest in raw.args)) {
      sink.add(
        'warning',
        'unknown-key',
        ptr,
        `"${key}" is a script argument: it belongs inside "args" (here it is ignored).`,
        {
          title: `Move "${key}" into "args"`,
          edits: [
            { op: 'set', path: pathToPointer(['args', asArg.dest]), value: raw[key] },
            { op: 'remove', path: ptr },
          ],
        },
        true,
      );
      continue;
    }
    const near = sink.suggest.closest(key, CONFIG_TOP_LEVEL_KEYS);
    sink.add(
      'warning',
      'unknown-key',
      ptr,
      `Unknown top-level key "${key}" ${near ? `(did you mean "${near}"?)` : `(expected ${CONFIG_TOP_LEVEL_KEYS.join(', ')})`}; it is ignored.`,
      near && !(near in raw) ? unknownKeyFix([], key, near) : { title: `Remove "${key}"`, edits: [{ op: 'remove', path: ptr }] },
      true,
    );
  }
  if (raw.name !== undefined && typeof raw.name !== 'string') sink.add('error', 'type', '/name', `"name" must be a string, not ${describeValue(raw.name)}.`);
  if (raw.$schema !== undefined && typeof raw.$schema !== 'string') sink.add('error', 'type', '/$schema', `"$schema" must be a string.`);
  if (raw.launch === undefined) return;
  if (!isObject(raw.launch)) {
    sink.add('error', 'type', '/launch', `"launch" must be an object, not ${describeValue(raw.launch)}.`);
    return;
  }
  const launch = raw.launch;
  for (const key of Object.keys(launch)) {
    const ptr = pathToPointer(['launch', key]);
    if ((LAUNCH_KEYS as readonly string[]).includes(key)) {
      const v = launch[key];
      if (key === 'accelerateArgs' || key === 'env' || key === 'slurm') {
        if (!isObject(v)) sink.add('error', 'type', ptr, `"launch.${key}" must be an object, not ${describeValue(v)}.`);
      } else if (key === 'profile') {
        if (!isLaunchProfile(v))
          sink.add('error', 'enum', ptr, `"launch.profile" must be one of ${LAUNCH_PROFILES.map((p) => `"${p}"`).join(', ')}, not ${describeValue(v)}.`);
      } else if (typeof v !== 'string') {
        sink.add('error', 'type', ptr, `"launch.${key}" must be a string (a path), not ${describeValue(v)}.`);
      } else if (v.trim() === '') {
        sink.add('warning', 'empty-value', ptr, `"launch.${key}" is empty; remove it to use the default.`, {
          title: `Remove "${key}"`,
          edits: [{ op: 'remove', path: ptr }],
        });
      }
      continue;
    }
    if (key in ACCELERATE_ARG_TYPES) {
      sink.add(
        'warning',
        'unknown-key',
        ptr,
        `"${key}" is an accelerate option: it belongs in "launch.accelerateArgs" (here it is ignored).`,
        {
          title: `Move "${key}" into "accelerateArgs"`,
          edits: [
            { op: 'set', path: pathToPointer(['launch', 'accelerateArgs', key]), value: launch[key] },
            { op: 'remove', path: ptr },
          ],
        },
        true,
      );
      continue;
    }
    const near = sink.suggest.closest(key, LAUNCH_KEYS);
    sink.add(
      'warning',
      'unknown-key',
      ptr,
      `Unknown key "launch.${key}" ${near ? `(did you mean "${near}"?)` : `(expected ${LAUNCH_KEYS.join(', ')})`}; it is ignored.`,
      near && !(near in launch) ? unknownKeyFix(['launch'], key, near) : { title: `Remove "${key}"`, edits: [{ op: 'remove', path: ptr }] },
      true,
    );
  }
  if (isObject(launch.env)) {
    for (const [k, v] of Object.entries(launch.env)) {
      if (typeof v !== 'string') {
        sink.add(
          'error',
          'type',
          pathToPointer(['launch', 'env', k]),
          `Environment variable "${k}" must be a string, not ${describeValue(v)}.`,
          typeof v === 'number' || typeof v === 'boolean'
            ? { title: `Quote the value`, edits: [{ op: 'set', path: pathToPointer(['launch', 'env', k]), value: String(v) }] }
            : undefined,
        );
      }
    }
  }
  if (isObject(launch.accelerateArgs)) checkAccelerateArgs(launch.accelerateArgs, sink);
}

function checkAccelerateArgs(acc: Record<string, unknown>, sink: DiagnosticSink): void {
  for (const [key, v] of Object.entries(acc)) {
    const ptr = pathToPointer(['launch', 'accelerateArgs', key]);
    const type = ACCELERATE_ARG_TYPES[key];
    if (!type) {
      const near = sink.suggest.closest(key, Object.keys(ACCELERATE_ARG_TYPES));
      sink.add(
        'error',
        'unknown-key',
        ptr,
        `Unknown accelerate option "${key}"${near ? `; did you mean "${near}"?` : ''} (accelerate launch would reject it).`,
        near && !(near in acc) ? unknownKeyFix(['launch', 'accelerateArgs'], key, near) : { title: `Remove "${key}"`, edits: [{ op: 'remove', path: ptr }] },
        true,
      );
      continue;
    }
    if (v === null) continue;
    const ok = type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : Number.isInteger(v);
    if (!ok) {
      sink.add('error', 'type', ptr, `accelerate option "${key}" must be ${type === 'int' ? 'an integer' : `a ${type}`}, not ${describeValue(v)}.`);
    } else if (key === 'mixed_precision' && !ACCELERATE_MIXED_PRECISION.includes(v as string)) {
      sink.add('error', 'choice', ptr, `accelerate's mixed_precision must be one of ${ACCELERATE_MIXED_PRECISION.join(', ')}, not ${describeValue(v)}.`);
    } else if (type === 'int' && (v as number) < (key === 'machine_rank' ? 0 : 1)) {
      sink.add('error', 'range', ptr, `accelerate option "${key}" must be at least ${key === 'machine_rank' ? 0 : 1}.`);
    }
  }
}

/** The argument table checked against: the script file's own (from its --help) when given, else the built-in one. */
interface TableInUse {
  readonly args: readonly ArgSpec[];
  readonly byDest: ReadonlyMap<string, ArgSpec>;
  /** Which script file's --help, when it is the script's own table. */
  readonly scriptPath?: string;
  /** The script's name in messages. */
  readonly name: string;
}

function tableInUse(kind: ScriptKind, choice: ArgTableChoice | undefined): TableInUse {
  const info = SCRIPTS[kind];
  if (choice?.source !== 'script' || choice.table.kind !== kind) return { args: info.args, byDest: info.byDest, name: info.fileName };
  const { args, scriptPath } = choice.table;
  return { args, byDest: new Map(args.map((a) => [a.dest, a])), scriptPath, name: `the script at ${scriptPath}` };
}

/**
 * Every key of `args`: known to this script, type, choices, range; plus the required ones. `table` is the script
 * file's own argument table when known (scriptHelp/); without it the built-in table of the script kind is used.
 */
export function checkArgs(config: SdxlConfig, sink: DiagnosticSink, table?: ArgTableChoice): void {
  const info = tableInUse(config.script, table);
  const args = config.args;
  for (const [key, value] of Object.entries(args)) {
    const spec = info.byDest.get(key);
    if (!spec) {
      unknownArg(config.script, info, args, key, sink);
      continue;
    }
    if (info.scriptPath !== undefined && !SCRIPTS[config.script].byDest.has(key)) {
      sink.add(
        'warning',
        'script-only-arg',
        pathToPointer(['args', key]),
        `"${key}" is an argument of the script at ${info.scriptPath} (its own --help), but not of ${builtinTableName(config.script)}, which the launch follows: it is not passed to the script yet.`,
        undefined,
        true,
      );
    }
    checkValue(config.script, spec, value as unknown, sink);
  }
  for (const spec of info.args) {
    if (!spec.required) continue;
    const v = args[spec.dest] as unknown;
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      const fix: Fix | undefined =
        spec.dest === 'pretrained_model_name_or_path'
          ? { title: `Use ${SDXL_BASE_MODEL}`, edits: [{ op: 'set', path: '/args/pretrained_model_name_or_path', value: SDXL_BASE_MODEL }] }
          : undefined;
      sink.add(
        'error',
        'required',
        pathToPointer(['args', spec.dest]),
        `"${spec.dest}" is required by ${info.name} (argparse stops with "the following arguments are required: ${spec.name}").`,
        fix,
      );
    }
  }
}

function unknownArg(kind: ScriptKind, info: TableInUse, args: Record<string, unknown>, key: string, sink: DiagnosticSink): void {
  const ptr = pathToPointer(['args', key]);
  const remove: Fix = { title: `Remove "${key}"`, edits: [{ op: 'remove', path: ptr }] };
  const normal = normaliseKey(key);
  const exact = info.byDest.get(normal);
  if (exact && !(exact.dest in args)) {
    sink.add(
      'warning',
      'unknown-key',
      ptr,
      `Arguments are keyed by argparse dest: "${key}" should be "${exact.dest}" (as written it is not passed to the script).`,
      unknownKeyFix(['args'], key, exact.dest),
      true,
    );
    return;
  }
  const builtin = SCRIPTS[kind].byDest.get(key);
  if (info.scriptPath !== undefined && builtin) {
    // The launch passes what the built-in table knows, so the script's argparse would stop at it.
    sink.add(
      'error',
      'not-in-script',
      ptr,
      `The script at ${info.scriptPath} (its own --help) has no ${builtin.name}; ${builtinTableName(kind)} has it: your script may be older (argparse would stop with "unrecognized arguments: ${builtin.name}").`,
      remove,
      true,
    );
    return;
  }
  const others = SCRIPT_KINDS.filter((k) => k !== kind && SCRIPTS[k].byDest.has(normal));
  if (others.length > 0) {
    const owners = others.map((k) => SCRIPT_PROFILES[k].noun).join(' and ');
    sink.add(
      'warning',
      'wrong-script-arg',
      ptr,
      `"${key}" is a ${owners} argument; this config drives the ${SCRIPT_PROFILES[kind].noun} script (${SCRIPTS[kind].fileName}), which has no such option, so it is not passed.`,
      remove,
      true,
    );
    return;
  }
  const near = sink.suggest.closest(key, info.byDest.keys());
  sink.add(
    'warning',
    'unknown-key',
    ptr,
    `Unknown argument "${key}" for ${info.name}${near ? `; did you mean "${near}"?` : ''} (it is not passed to the script).`,
    near && !(near in args) ? unknownKeyFix(['args'], key, near) : remove,
    true,
  );
}

function checkValue(kind: ScriptKind, spec: ArgSpec, v: unknown, sink: DiagnosticSink): void {
  const ptr = pathToPointer(['args', spec.dest]);
  if (v === null) return; // null means "leave to the script's default"
  const setTo = (value: unknown, title: string): Fix => ({ title, edits: [{ op: 'set', path: ptr, value }] });
  if (spec.untyped) {
    // Known from the script's --help only, which does not say the type: one value of any kind, within its choices.
    if (typeof v === 'object') sink.add('error', 'type', ptr, `"${spec.dest}" takes one value (a string, number or boolean), not ${describeValue(v)}.`);
    else if (spec.choices && !spec.choices.map(String).includes(String(v))) {
      sink.add('error', 'choice', ptr, `"${spec.dest}" must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}, not ${describeValue(v)}.`);
    }
    return;
  }
  switch (spec.type) {
    case 'bool-flag':
    case 'bool':
      if (typeof v !== 'boolean') {
        const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
        const b = s === 'true' || v === 1 ? true : s === 'false' || v === 0 ? false : undefined;
        sink.add(
          'error',
          'type',
          ptr,
          `"${spec.dest}" is a switch: use true or false, not ${describeValue(v)}.`,
          b === undefined ? undefined : setTo(b, `Use ${b}`),
        );
        return;
      }
      return;
    case 'int': {
      const n = typeof v === 'number' ? v : numericString(v);
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        const fixed = n === undefined ? undefined : Math.round(n);
        sink.add(
          'error',
          'type',
          ptr,
          `"${spec.dest}" must be an integer, not ${describeValue(v)}.`,
          fixed === undefined ? undefined : setTo(fixed, `Use ${fixed}`),
        );
        return;
      }
      break;
    }
    case 'float': {
      if (typeof v !== 'number') {
        const n = numericString(v);
        sink.add(
          'error',
          'type',
          ptr,
          `"${spec.dest}" must be a number, not ${describeValue(v)}.`,
          n === undefined ? undefined : setTo(n, `Use the number ${n}`),
        );
        return;
      }
      break;
    }
    case 'str':
      if (typeof v !== 'string') {
        const ok = typeof v === 'number' || typeof v === 'boolean';
        sink.add('error', 'type', ptr, `"${spec.dest}" must be a string, not ${describeValue(v)}.`, ok ? setTo(String(v), `Quote the value`) : undefined);
        return;
      }
      break;
  }
  if (spec.choices && !spec.choices.includes(v as string | number)) {
    const near = typeof v === 'string' ? sink.suggest.closest(v, spec.choices.map(String)) : undefined;
    sink.add(
      'error',
      'choice',
      ptr,
      `"${spec.dest}" must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}, not ${describeValue(v)}.`,
      near ? setTo(near, `Use "${near}"`) : undefined,
    );
    return;
  }
  const late = LATE_CHOICES[spec.dest];
  if (late && typeof v === 'string') {
    const values = late.values(kind);
    const matches = spec.dest === 'optimizer' ? values.some((c) => c.toLowerCase() === v.toLowerCase()) : values.includes(v);
    if (!matches) {
      const near = sink.suggest.closest(v, values);
      sink.add(
        late.severity,
        'choice',
        ptr,
        `"${spec.dest}" should be one of ${values.join(', ')}, not ${describeValue(v)}: ${late.why}.`,
        near ? setTo(near, `Use "${near}"`) : undefined,
      );
    }
  }
  const range = RANGES[spec.dest];
  if (range && typeof v === 'number') {
    const low = range.min !== undefined && (range.minExclusive ? v <= range.min : v < range.min);
    const high = range.max !== undefined && (range.maxExclusive ? v >= range.max : v > range.max);
    if (low || high) {
      const bounds = [
        range.min !== undefined ? `${range.minExclusive ? '>' : '>='} ${range.min}` : '',
        range.max !== undefined ? `${range.maxExclusive ? '<' : '<='} ${range.max}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      sink.add(range.severity, 'range', ptr, `"${spec.dest}" is ${v}; it must be ${bounds}: ${range.why}.`);
    }
  }
}
