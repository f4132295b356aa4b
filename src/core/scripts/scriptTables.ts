// The three diffusers SDXL training scripts and their argument tables.
// The tables in ./data are copied from the project's reference (with the diffusers commit they were read at),
// so the extension builds and runs from its own clone alone; each kind's profile (profiles.ts) names its table.
import { SCRIPT_KINDS, type ScriptKind } from './kinds';
import { byKind, type RawArgTable, type ScriptProfile } from './profiles';

export { SCRIPT_KINDS, type ScriptKind };

/** `bool-flag` is argparse `store_true`; `bool` is `type=bool` (any non-empty string is True). */
export type ArgType = 'str' | 'int' | 'float' | 'bool-flag' | 'bool';
export type ArgValue = string | number | boolean | null;

export const ARG_GROUPS = ['model', 'data', 'training', 'optimisation', 'validation', 'checkpoints', 'logging', 'hub', 'performance'] as const;
export type ArgGroup = (typeof ARG_GROUPS)[number];

export interface ArgSpec {
  /** Flag as argparse declares it, e.g. `--learning_rate`. */
  readonly name: string;
  /** Key used in the config's `args` object (argparse dest). */
  readonly dest: string;
  readonly type: ArgType;
  readonly default: ArgValue;
  readonly choices: readonly (string | number)[] | null;
  readonly required: boolean;
  /** The script's help text; null where argparse declares none (num_train_epochs). Show `argHelp(spec)`. */
  readonly help: string | null;
  readonly notes?: string;
  readonly group: ArgGroup;
  /**
   * Set on an argument known only from the user's script's `--help`, which does not say its type: any one string,
   * number or boolean is taken, and only its choices are checked (scriptHelp/scriptTable.ts).
   */
  readonly untyped?: true;
  /** From the script's `--help`: argparse's nargs where it is not one value. */
  readonly nargs?: '?' | '*' | '+' | number;
}

export interface ScriptInfo {
  readonly kind: ScriptKind;
  readonly title: string;
  /** File name of the script in diffusers, and the default `launch.scriptPath`. */
  readonly fileName: string;
  /** Path of the script inside a diffusers checkout. */
  readonly repoPath: string;
  readonly diffusersCommit: string;
  /** The diffusers version the table's script requires (its `check_min_version`), e.g. `0.40.0.dev0`; null if unknown. */
  readonly diffusersVersion: string | null;
  readonly trackerProject: string;
  readonly args: readonly ArgSpec[];
  readonly byDest: ReadonlyMap<string, ArgSpec>;
}

// Grouping for "Configure Argument…"; first matching rule wins.
const GROUP_RULES: Array<[ArgGroup, RegExp]> = [
  ['hub', /^(push_to_hub|hub_token|hub_model_id)$/],
  ['validation', /^(validation_|num_validation_images)/],
  ['checkpoints', /^(checkpointing_steps|checkpoints_total_limit|resume_from_checkpoint|output_dir|output_kohya_format)$/],
  ['logging', /^(logging_dir|report_to|debug_loss)$/],
  [
    'performance',
    /^(mixed_precision|allow_tf32|enable_xformers_memory_efficient_attention|enable_npu_flash_attention|gradient_checkpointing|dataloader_num_workers|local_rank|prior_generation_precision)$/,
  ],
  ['optimisation', /^(learning_rate|text_encoder_lr|scale_lr|lr_|optimizer|use_8bit_adam|adam_|prodigy_|max_grad_norm)/],
  ['model', /^(pretrained_|revision|variant|rank|lora_dropout|use_dora|train_text_encoder|prediction_type|use_ema|do_edm_style_training)$|^pretrained_/],
  [
    'data',
    /^(dataset_|train_data_dir|instance_|class_|image_column|caption_column|max_train_samples|proportion_empty_prompts|cache_dir|resolution|center_crop|random_flip|repeats|image_interpolation_mode|num_class_images|with_prior_preservation|prior_loss_weight|sample_batch_size)/,
  ],
];

// What the arguments argparse declares without help do, as the scripts' code uses them.
const MISSING_HELP: Readonly<Record<string, string>> = {
  num_train_epochs: 'Number of passes over the training data; when max_train_steps is set, it decides the length and this is recomputed from it.',
};

/**
 * Text that explains an argument wherever one is shown (config comments, pickers, prompts, schema descriptions): the
 * script's help; for arguments argparse declares without help, ours, else the table's notes, else a plain statement.
 */
export function argHelp(spec: Pick<ArgSpec, 'dest' | 'help' | 'notes'>): string {
  return spec.help ?? MISSING_HELP[spec.dest] ?? spec.notes ?? 'The script gives no help text for this argument.';
}

export function groupOf(dest: string): ArgGroup {
  for (const [group, re] of GROUP_RULES) if (re.test(dest)) return group;
  return 'training';
}

function load(profile: ScriptProfile): ScriptInfo {
  const table: RawArgTable = profile.table;
  const repoPath = table.source.replace(/^huggingface\/diffusers\s+/, '');
  const args: ArgSpec[] = table.args.map((a) => ({
    name: a.name,
    dest: a.dest,
    type: a.type as ArgType,
    default: a.default,
    choices: a.choices,
    required: a.required,
    help: a.help,
    ...(a.notes ? { notes: a.notes } : {}),
    group: groupOf(a.dest),
  }));
  return {
    kind: profile.kind,
    title: `${profile.label} (${profile.fileName})`,
    fileName: profile.fileName,
    repoPath,
    diffusersCommit: table.commit,
    diffusersVersion: /check_min_version\('([^']+)'\)/.exec(table.requires_diffusers ?? '')?.[1] ?? null,
    trackerProject: table.tracker_project_name,
    args,
    byDest: new Map(args.map((a) => [a.dest, a])),
  };
}

export const SCRIPTS: Readonly<Record<ScriptKind, ScriptInfo>> = byKind(load);

export function isScriptKind(v: unknown): v is ScriptKind {
  return typeof v === 'string' && (SCRIPT_KINDS as readonly string[]).includes(v);
}

/** Which script a file name or path refers to, e.g. from a pasted command line. */
export function scriptKindFromPath(path: string): ScriptKind | undefined {
  const base = path.split(/[\\/]/).pop() ?? path;
  for (const kind of SCRIPT_KINDS) if (SCRIPTS[kind].fileName === base) return kind;
  return undefined;
}
