// JSON schemas (draft-07) of the `*.sdxl.json` config, generated from the scripts' argument tables.
// The committed files in schemas/ are this module's output; a unit test keeps them equal.
// Objects whose keys validateConfig checks (top level, launch, args) do not say `additionalProperties: false`: VS Code
// validates *.sdxl.json with these schemas too (the jsonValidation contribution), so an unknown key would be reported
// twice, once as "Property … is not allowed" and once by our "did you mean" diagnostic, which has the quick fix.
// Completion comes from `properties` and is unaffected.
import { argHelp, SCRIPT_KINDS, SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { byKind } from '../scripts/profiles';
import { LAUNCH_PROFILES, SLURM_KEYS, type LaunchProfile } from './config';

export type JsonSchema = { [key: string]: unknown };

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** File name of each generated schema inside schemas/. */
export const SCHEMA_FILES: Readonly<Record<ScriptKind | 'combined', string>> = {
  ...byKind((p) => p.schemaFile),
  combined: 'sdxl-config.schema.json',
};

export interface ArgRange {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  /** Why the bound exists: what the script does outside it. */
  reason: string;
}

/**
 * Numeric bounds the scripts themselves enforce (post-parse checks and notes in the argument tables);
 * limits the scripts do not check are left out so the schema never rejects a value the script accepts.
 */
export const ARG_RANGES: Readonly<Record<string, ArgRange>> = {
  proportion_empty_prompts: {
    minimum: 0,
    maximum: 1,
    reason: 'The script raises ValueError("`--proportion_empty_prompts` must be in the range [0, 1].") otherwise.',
  },
  timestep_bias_begin: {
    minimum: 0,
    reason: 'A negative value raises ValueError at the first training step (generate_timestep_weights).',
  },
  timestep_bias_end: {
    maximum: 1000,
    reason: 'A value above num_train_timesteps (1000) raises ValueError at the first training step.',
  },
  timestep_bias_multiplier: {
    exclusiveMinimum: 0,
    reason: 'A value <= 0 crashes the first training step (generate_timestep_weights returns a ValueError object).',
  },
};

/**
 * Arguments that editor completion does not offer (`doNotSuggest`, which VS Code's JSON language service honours):
 * still valid, still described on hover, but not ones a config should set.
 */
export const NOT_SUGGESTED: Readonly<Record<string, string>> = {
  local_rank: 'Set by the launcher: accelerate gives every process its LOCAL_RANK, which overrides this value.',
  hub_token: 'A secret does not belong in a config file: log in with `huggingface-cli login` or set HF_TOKEN in the environment instead.',
};

/** Range that applies to an argument of a script, if the script checks one. */
export function argRange(kind: ScriptKind, dest: string): ArgRange | undefined {
  return SCRIPTS[kind].byDest.has(dest) ? ARG_RANGES[dest] : undefined;
}

const JSON_TYPE: Record<ArgSpec['type'], string> = {
  str: 'string',
  int: 'integer',
  float: 'number',
  'bool-flag': 'boolean',
  bool: 'boolean',
};

function formatDefault(spec: ArgSpec): string {
  if (spec.default === null) return spec.type === 'bool-flag' ? '`false`' : 'none (the option is not passed)';
  return '`' + JSON.stringify(spec.default) + '`';
}

const BOOL_QUIRK = (spec: ArgSpec): string =>
  `The script declares ${spec.name} with type=bool, so argparse turns any non-empty string (even "False" or "0") into True. ` +
  `Write true or false here: the extension passes false as \`${spec.name}=\` (an empty string, the only way to get False) ` +
  `and true as \`${spec.name}=True\`.`;

const BOOL_HANDLED = (spec: ArgSpec): string =>
  `The extension handles this: write true or false; false is passed as \`${spec.name}=\`, true as \`${spec.name}=True\`.`;

function rangeText(r: ArgRange): string {
  const parts: string[] = [];
  if (r.minimum !== undefined) parts.push(`>= ${r.minimum}`);
  if (r.exclusiveMinimum !== undefined) parts.push(`> ${r.exclusiveMinimum}`);
  if (r.maximum !== undefined) parts.push(`<= ${r.maximum}`);
  return `Must be ${parts.join(' and ')}. ${r.reason}`;
}

/** Schema of one argument: JSON type, default, choices, range, and the help text as descriptions. */
export function argSchema(kind: ScriptKind, spec: ArgSpec): JsonSchema {
  const type = JSON_TYPE[spec.type];
  // A null default means "not passed", which the config may also say with an explicit null.
  const nullable = spec.default === null && spec.type !== 'bool-flag';
  const help = argHelp(spec);
  const range = argRange(kind, spec.dest);
  const plain = [help];
  if (spec.type === 'bool') plain.push(BOOL_QUIRK(spec));
  if (range) plain.push(rangeText(range));
  const md = [help, `Default: ${formatDefault(spec)}.`];
  if (spec.choices) md.push(`Choices: ${spec.choices.map((c) => '`' + String(c) + '`').join(', ')}.`);
  if (spec.notes && spec.notes !== help) md.push(spec.notes);
  // The table's notes already explain bool(); say only how the config maps onto it.
  if (spec.type === 'bool') md.push(spec.notes ? BOOL_HANDLED(spec) : BOOL_QUIRK(spec));
  if (range) md.push(rangeText(range));
  const hidden = NOT_SUGGESTED[spec.dest];
  if (hidden) md.push(`Not offered in completion. ${hidden}`);
  md.push(`Flag: \`${spec.name}\` · group: ${spec.group}${spec.required ? ' · required' : ''}.`);

  const schema: JsonSchema = { type: nullable ? [type, 'null'] : type };
  if (spec.choices) schema.enum = nullable ? [...spec.choices, null] : [...spec.choices];
  if (spec.default !== null) schema.default = spec.default satisfies ArgValue;
  else if (spec.type === 'bool-flag') schema.default = false;
  if (range) {
    if (range.minimum !== undefined) schema.minimum = range.minimum;
    if (range.exclusiveMinimum !== undefined) schema.exclusiveMinimum = range.exclusiveMinimum;
    if (range.maximum !== undefined) schema.maximum = range.maximum;
  }
  if (hidden) schema.doNotSuggest = true;
  schema.description = plain.join('\n\n');
  schema.markdownDescription = md.join('\n\n');
  return schema;
}

const str = (description: string): JsonSchema => ({ type: 'string', description });
const int = (description: string, minimum = 0): JsonSchema => ({ type: 'integer', minimum, description });
const flag = (description: string): JsonSchema => ({ type: 'boolean', default: false, description });

/** `accelerate launch` options (docs/worker-formats.md#launcher); other launcher options are passed through as `--name value`. */
export function accelerateArgsSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'Options for `accelerate launch`, by flag name without `--`. Options not listed here are passed as `--name value` (true: `--name` alone; false or null: left out).',
    properties: {
      config_file: str('accelerate config file to use instead of the default one (~/.cache/huggingface/accelerate/default_config.yaml).'),
      num_processes: int('Total number of processes across all machines (default: the number of visible GPUs).', 1),
      num_machines: int('Number of machines (default 1).', 1),
      machine_rank: int('Rank of this machine; 0 is the main machine.'),
      main_process_ip: str('IP address of the rank-0 machine (multi-node).'),
      main_process_port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Port of the rank-0 machine (default 29500).' },
      mixed_precision: {
        type: 'string',
        enum: ['no', 'fp16', 'bf16', 'fp8'],
        description: "Mixed precision for the launched processes. The script's own --mixed_precision argument, if set, takes precedence.",
      },
      multi_gpu: flag(
        'Launch through torch.distributed.run (needs 2 or more processes; switched on automatically when num_processes > 1 and several GPUs are visible).',
      ),
      gpu_ids: str('Comma-separated GPU ids to use on this machine, e.g. "0,1", or "all".'),
      same_network: flag('Multi-node: all machines are on the same local network.'),
      rdzv_backend: str('Rendezvous backend for torch.distributed (default "static").'),
      num_cpu_threads_per_process: int('CPU threads per process.', 1),
      dynamo_backend: str('torch dynamo backend, e.g. "no" or "inductor".'),
      quiet: flag("Silence the launcher's own subprocess error stack traces (-q)."),
      tee: str(
        'torch.distributed.run: copy the ranks\' stdout/stderr to the console with a `[rankN]:` prefix: "1" stdout, "2" stderr, "3" both, or per rank ("0:3,1:3"). Multi-process runs only.',
      ),
      redirects: str('torch.distributed.run: redirect the ranks\' stdout/stderr to log files ("0" none, "3" both, or per rank "0:3,1:3").'),
    },
    additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  };
}

/** Schema of the `launch` section (same for every script). */
export function launchSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'How the script is started: `accelerate launch [accelerateArgs] scriptPath [args]`.',
    properties: {
      python: str(
        'Python interpreter of the training environment. When it is a path, `accelerate` is taken from the same folder unless "accelerate" is set. Relative paths are taken from the config file\'s folder.',
      ),
      accelerate: str('The `accelerate` executable. Default: next to "python" when that is a path, else `accelerate` on PATH.'),
      scriptPath: str('Path of the diffusers training script, relative to "cwd". Default: the script\'s file name.'),
      accelerateArgs: accelerateArgsSchema(),
      env: {
        type: 'object',
        description: 'Extra environment variables for the run (PYTHONUNBUFFERED=1 is always set).',
        additionalProperties: { type: 'string' },
      },
      cwd: str("Working directory of the run; relative paths are taken from the config file's folder. Default: that folder."),
      profile: launchProfileSchema(),
      slurm: slurmSchema(),
    },
  };
}

/** What each launch profile does, in the order of LAUNCH_PROFILES (docs/scale-out.md). */
const PROFILE_HELP: Readonly<Record<LaunchProfile, string>> = {
  local: 'One machine, as `accelerateArgs` says (one process unless you set more). The default.',
  'multi-gpu':
    'Several processes on this machine, one per GPU: adds `--multi_gpu` and `--num_processes` (from `accelerateArgs.num_processes`, else the count of `accelerateArgs.gpu_ids`).',
  'multi-node':
    "This machine's share of a job across machines: needs `accelerateArgs.num_machines` (2 or more), `machine_rank` and `main_process_ip`; adds `--main_process_port 29500` unless set, and `--multi_gpu` with more than one process per machine. Start it on every machine.",
  slurm:
    'An sbatch job on a Slurm cluster (`launch.slurm`): `srun` runs `accelerate launch` on each node, with the process count, ranks and rendezvous taken from the job.',
};

export function launchProfileSchema(): JsonSchema {
  return {
    type: 'string',
    enum: [...LAUNCH_PROFILES],
    default: 'local',
    description: 'Where and how the run is launched: local, multi-gpu, multi-node or slurm.',
    enumDescriptions: LAUNCH_PROFILES.map((p) => PROFILE_HELP[p].replace(/`/g, '')),
    markdownEnumDescriptions: LAUNCH_PROFILES.map((p) => PROFILE_HELP[p]),
  };
}

// No `pattern` against line breaks: VS Code would say only "does not match the pattern"; our diagnostic says why.
const line = (description: string, examples: string[]): JsonSchema => ({ type: 'string', description, examples });

/** `launch.slurm`: every SlurmSettings key (config.ts), checked the same way by profileSettings.ts. */
export function slurmSchema(): JsonSchema {
  const lines = (description: string, examples: string[][]): JsonSchema => ({
    type: 'array',
    items: { type: 'string' },
    description,
    examples,
  });
  const properties: Record<(typeof SLURM_KEYS)[number], JsonSchema> = {
    partition: line("`#SBATCH --partition`. Default: the cluster's default partition.", ['gpu']),
    account: line('`#SBATCH --account`: the account the job is charged to.', ['my-project']),
    qos: line('`#SBATCH --qos`: the quality of service.', ['normal']),
    nodes: { type: 'integer', minimum: 1, default: 1, description: "`#SBATCH --nodes`: machines of the job (accelerate's num_machines).", examples: [2] },
    gpusPerNode: {
      type: 'integer',
      minimum: 0,
      default: 1,
      description: '`#SBATCH --gpus-per-node`: GPUs on each node, one training process each; 0 for a CPU-only job.',
      examples: [4, 8],
    },
    cpusPerTask: { type: 'integer', minimum: 1, description: '`#SBATCH --cpus-per-task` (one task per node).', examples: [16] },
    memory: line('`#SBATCH --mem`: memory per node.', ['64G']),
    time: line('`#SBATCH --time`: the time limit (D-HH:MM:SS or HH:MM:SS).', ['12:00:00', '2-00:00:00']),
    mainProcessPort: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      default: 29500,
      description: "Port of the first node's rendezvous (accelerate's main_process_port) when nodes > 1.",
    },
    setup: lines('Shell lines run on each job before the launch, one line each.', [['module load cuda/12.1', 'source ~/venvs/sdxl/bin/activate']]),
    sbatchArgs: lines("More sbatch options, each one word as on sbatch's command line.", [['--constraint=a100', '--exclusive']]),
  };
  return {
    type: 'object',
    description:
      'The sbatch job of profile "slurm" (ignored by the other profiles). The job script sets num_processes, num_machines, machine_rank and the rendezvous itself.',
    properties,
  };
}

function scriptDescription(kind: ScriptKind): string {
  const s = SCRIPTS[kind];
  return `${s.title}: diffusers ${s.repoPath} @ ${s.diffusersCommit.slice(0, 12)}.`;
}

/** Schema of a config for one script, without `$schema`/definitions (shared by the per-script and combined files). */
function scriptBody(kind: ScriptKind, launchRef: JsonSchema): JsonSchema {
  const s = SCRIPTS[kind];
  const properties: Record<string, JsonSchema> = {};
  for (const spec of s.args) properties[spec.dest] = argSchema(kind, spec);
  const required = s.args.filter((a) => a.required).map((a) => a.dest);
  return {
    title: `SDXL Trainer config: ${s.title}`,
    type: 'object',
    properties: {
      $schema: str('JSON schema of this file (editor help only).'),
      script: { const: kind, description: scriptDescription(kind) },
      name: str('Display name for runs started from this config.'),
      launch: launchRef,
      args: {
        type: 'object',
        description: `Arguments of ${s.fileName}, by argparse dest name (e.g. "learning_rate").`,
        properties,
        ...(required.length > 0 ? { required } : {}),
      },
    },
    required: ['script', 'args'],
  };
}

/** Standalone schema of a config for one script. */
export function buildSchema(kind: ScriptKind): JsonSchema {
  return {
    $schema: DRAFT_07,
    ...scriptBody(kind, { $ref: '#/definitions/launch' }),
    definitions: { launch: launchSchema() },
  };
}

/**
 * One schema for every `*.sdxl.json`: `script` picks the argument set through if/then, so the editor offers
 * only that script's arguments and checks their values. Everything is embedded; the file has no external references.
 */
export function buildCombinedSchema(): JsonSchema {
  const definitions: Record<string, JsonSchema> = { launch: launchSchema() };
  for (const kind of SCRIPT_KINDS) definitions[kind] = scriptBody(kind, { $ref: '#/definitions/launch' });
  return {
    $schema: DRAFT_07,
    title: 'SDXL Trainer config (*.sdxl.json)',
    description: 'Training config for one of the diffusers SDXL scripts, launched with `accelerate launch`.',
    type: 'object',
    properties: {
      $schema: str('JSON schema of this file (editor help only).'),
      script: {
        type: 'string',
        enum: [...SCRIPT_KINDS],
        enumDescriptions: SCRIPT_KINDS.map(scriptDescription),
        description: 'Which diffusers SDXL training script this config drives; it decides which "args" are allowed.',
      },
      name: str('Display name for runs started from this config.'),
      launch: { $ref: '#/definitions/launch' },
      args: { type: 'object', description: 'Arguments of the script chosen by "script", by argparse dest name.' },
    },
    required: ['script', 'args'],
    allOf: SCRIPT_KINDS.map((kind) => ({
      if: { properties: { script: { const: kind } }, required: ['script'] },
      then: { $ref: `#/definitions/${kind}` },
    })),
    definitions,
  };
}

/** Every schema file as it is committed: name → pretty-printed text with a trailing newline. */
export function renderSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of SCRIPT_KINDS) files.set(SCHEMA_FILES[kind], JSON.stringify(buildSchema(kind), null, 2) + '\n');
  files.set(SCHEMA_FILES.combined, JSON.stringify(buildCombinedSchema(), null, 2) + '\n');
  return files;
}
