// Rules about what the scripts will do with a well-typed config: crashes they hit later, silent surprises, waste.
// Each rule has a stable code; the behaviour cited is in docs/worker-formats.md
// (#argument-behaviour, #output-folder, #logs).
import { isAbsolute, resolve } from 'node:path';
import { pathToPointer, type SdxlConfig } from '../config/config';
import { SCRIPTS } from '../scripts/scriptTables';
import { SCRIPT_PROFILES } from '../scripts/profiles';
import { estimateMemory } from '../config/memoryEstimate';
import { buildLaunchPlan, runsOnLocalGpus } from '../launch/launchPlan';
import { TRACKERS } from './argChecks';
import type { DiagnosticSink, Fix, ValidateContext } from './types';

export const FP16_FIX_VAE = 'madebyollin/sdxl-vae-fp16-fix';

type Rule = (c: RuleInput) => void;

interface RuleInput {
  config: SdxlConfig;
  sink: DiagnosticSink;
  ctx: ValidateContext;
  /** Explicit value of an argument (null and absent both give undefined). */
  set(dest: string): unknown;
  /** Value the script will use: the explicit one if well typed, else the script's default. */
  eff(dest: string): unknown;
}

const ptr = (dest: string): string => pathToPointer(['args', dest]);
const setFix = (dest: string, value: unknown, title: string): Fix => ({ title, edits: [{ op: 'set', path: ptr(dest), value }] });
const profileOf = (config: SdxlConfig) => SCRIPT_PROFILES[config.script];
const removeFix = (dest: string, title = `Remove "${dest}"`): Fix => ({ title, edits: [{ op: 'remove', path: ptr(dest) }] });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false;

/** The mixed precision the run will use and where it is set: the script's flag overrides `accelerate launch`'s. */
export function effectiveMixedPrecision(config: SdxlConfig): { value: string | undefined; path: string } {
  const own = config.args.mixed_precision;
  if (typeof own === 'string') return { value: own, path: '/args/mixed_precision' };
  const acc = config.launch?.accelerateArgs?.mixed_precision as unknown;
  if (typeof acc === 'string') return { value: acc, path: '/launch/accelerateArgs/mixed_precision' };
  return { value: undefined, path: '/args' };
}

const fp16StockVae: Rule = ({ config, sink, set }) => {
  const mp = effectiveMixedPrecision(config);
  if (mp.value !== 'fp16' || present(set('pretrained_vae_model_name_or_path'))) return;
  sink.add(
    'warning',
    'fp16-stock-vae',
    mp.path,
    `fp16 with SDXL's stock VAE: the VAE overflows in fp16, giving NaN latents or losses and black validation images. ` +
      `Use the fp16-fixed VAE ${FP16_FIX_VAE} (or bf16).`,
    setFix('pretrained_vae_model_name_or_path', FP16_FIX_VAE, `Use ${FP16_FIX_VAE} as the VAE`),
  );
};

const datasetSource: Rule = ({ config, sink, set }) => {
  if (profileOf(config).datasetArg === 'instance_data_dir') {
    const ds = present(set('dataset_name'));
    const dir = present(set('instance_data_dir'));
    if (!ds && !dir) {
      sink.add(
        'error',
        'no-dataset',
        '/args/instance_data_dir',
        'No training images: set "instance_data_dir" (a folder of images) or "dataset_name" (the script raises "Specify either --dataset_name or --instance_data_dir").',
      );
    } else if (ds && dir) {
      sink.add(
        'error',
        'dataset-conflict',
        '/args/dataset_name',
        'Set only one of "dataset_name" and "instance_data_dir" (the script raises "Specify only one of --dataset_name or --instance_data_dir").',
        removeFix('dataset_name', 'Remove "dataset_name" (train on instance_data_dir)'),
      );
    }
    return;
  }
  if (!present(set('dataset_name')) && !present(set('train_data_dir'))) {
    sink.add(
      'error',
      'no-dataset',
      '/args/train_data_dir',
      'No dataset: set "train_data_dir" (an imagefolder with metadata.jsonl) or "dataset_name" (the script raises "Need either a dataset name or a training folder").',
    );
  }
};

const priorPreservation: Rule = ({ config, sink, set }) => {
  if (!profileOf(config).priorPreservation) return;
  const on = set('with_prior_preservation') === true;
  const missing = ['class_data_dir', 'class_prompt'].filter((d) => !present(set(d)));
  if (on && missing.length > 0) {
    sink.add(
      'error',
      'prior-preservation-incomplete',
      '/args/with_prior_preservation',
      `Prior preservation needs ${missing.map((m) => `"${m}"`).join(' and ')} (the script raises "You must specify ${missing[0] === 'class_data_dir' ? 'a data directory for class images' : 'prompt for class images'}").`,
    );
  } else if (!on) {
    for (const d of ['class_data_dir', 'class_prompt']) {
      if (present(set(d))) sink.add('info', 'prior-preservation-unused', ptr(d), `"${d}" is ignored without "with_prior_preservation".`, removeFix(d));
    }
  }
};

const timestepBias: Rule = ({ config, sink, set, eff }) => {
  if (!profileOf(config).timestepBias) return;
  const strategy = eff('timestep_bias_strategy');
  const active = typeof strategy === 'string' && strategy !== 'none';
  const mult = set('timestep_bias_multiplier');
  if (isNum(mult) && mult <= 0) {
    sink.add(
      active ? 'error' : 'warning',
      'timestep-bias-multiplier',
      ptr('timestep_bias_multiplier'),
      `timestep_bias_multiplier ${mult} <= 0 ${active ? 'crashes' : 'would crash, once a bias strategy is chosen,'} the script at the first step ` +
        `("AttributeError: 'ValueError' object has no attribute 'to'"); to turn the bias off use timestep_bias_strategy "none".`,
      setFix('timestep_bias_multiplier', 1.0, 'Set timestep_bias_multiplier to 1.0'),
    );
  }
  if (strategy !== 'range') return;
  const begin = eff('timestep_bias_begin');
  const end = eff('timestep_bias_end');
  if (isNum(begin) && begin < 0) {
    sink.add(
      'error',
      'timestep-bias-range',
      ptr('timestep_bias_begin'),
      `timestep_bias_begin ${begin} is below 0: the script raises ValueError at the first step.`,
      setFix('timestep_bias_begin', 0, 'Set timestep_bias_begin to 0'),
    );
  }
  if (isNum(end) && end > 1000) {
    sink.add(
      'error',
      'timestep-bias-range',
      ptr('timestep_bias_end'),
      `timestep_bias_end ${end} is above 1000 (SDXL's number of timesteps): the script raises ValueError at the first step.`,
      setFix('timestep_bias_end', 1000, 'Set timestep_bias_end to 1000'),
    );
  }
  if (isNum(begin) && isNum(end)) {
    if (begin >= end) {
      sink.add(
        'warning',
        'timestep-bias-range',
        ptr('timestep_bias_end'),
        `timestep_bias_begin (${begin}) >= timestep_bias_end (${end}): the range is empty, so no timestep is biased.`,
      );
    } else if (begin >= 0 && end <= 1000) {
      sink.add(
        'info',
        'timestep-bias-range-exclusive',
        present(set('timestep_bias_end')) ? ptr('timestep_bias_end') : ptr('timestep_bias_strategy'),
        `The end is exclusive: timesteps ${begin}…${end - 1} are biased (the script slices [begin:end], although its help says inclusive).`,
      );
    }
  }
};

const reportTo: Rule = ({ config, sink, set }) => {
  const r = set('report_to');
  // The launch passes hub_token as HF_TOKEN, never as --hub_token (launchPlan.ts ENV_ARGS), so the scripts' refusal of
  // report_to "wandb" with --hub_token never fires; the secret in the file is still worth a warning.
  if (present(set('hub_token'))) {
    sink.add(
      'warning',
      'hub-token-in-config',
      ptr('hub_token'),
      'hub_token puts a secret in the config file; log in with `hf auth login` (or set HF_TOKEN in your environment) instead. It is passed to the training as HF_TOKEN, never on the command line.',
      removeFix('hub_token'),
    );
  }
  if (typeof r !== 'string' || !TRACKERS.includes(r) || r === 'tensorboard') return;
  const fix = setFix('report_to', 'tensorboard', 'Report to TensorBoard');
  if (r === 'all') {
    sink.add(
      'info',
      'report-to-all',
      ptr('report_to'),
      'report_to "all" crashes validation with "UnboundLocalError: ... wandb" when wandb is installed (the script imports it only for "wandb"); "tensorboard" is safe.',
      fix,
    );
    return;
  }
  const scalars = profileOf(config).eventScalars;
  sink.add(
    'warning',
    'report-to-not-tensorboard',
    ptr('report_to'),
    `report_to "${r}" writes no TensorBoard events: the dashboard then has only the console's curves (no ${scalars} history, no validation images) plus whatever ${r} keeps.`,
    fix,
  );
};

const validationEpochs: Rule = ({ sink, set }) => {
  if (set('validation_epochs') === undefined || present(set('validation_prompt'))) return;
  sink.add(
    'warning',
    'validation-without-prompt',
    ptr('validation_epochs'),
    'validation_epochs has no effect without "validation_prompt": no validation images are generated.',
    removeFix('validation_epochs'),
  );
};

const checkpointing: Rule = ({ sink, set, eff }) => {
  const steps = set('max_train_steps');
  const every = eff('checkpointing_steps');
  if (!isNum(steps) || !isNum(every) || every <= steps || steps < 1) return;
  const explicit = set('checkpointing_steps') !== undefined;
  sink.add(
    'warning',
    'checkpointing-after-end',
    explicit ? ptr('checkpointing_steps') : ptr('max_train_steps'),
    `checkpointing_steps (${every}${explicit ? '' : ', the default'}) is larger than max_train_steps (${steps}): no checkpoint will be saved, so the run cannot be resumed.`,
    setFix('checkpointing_steps', steps, `Set checkpointing_steps to ${steps}`),
  );
};

const resolution: Rule = ({ sink, set }) => {
  const r = set('resolution');
  if (!isNum(r) || !Number.isInteger(r) || r < 8 || r % 8 === 0) return;
  const near = Math.max(8, Math.round(r / 64) * 64);
  sink.add(
    'warning',
    'resolution-multiple-of-8',
    ptr('resolution'),
    `resolution ${r} is not a multiple of 8 (the VAE downsamples by 8, so the latents do not match the image size the UNet is told).`,
    setFix('resolution', near, `Set resolution to ${near}`),
  );
};

const fullColumns: Rule = ({ config, sink, set }) => {
  const fixed = profileOf(config).fixedColumns;
  if (!fixed) return;
  for (const [dest, name] of Object.entries(fixed)) {
    const v = set(dest);
    if (typeof v === 'string' && v !== name) {
      sink.add(
        'error',
        'full-script-column-names',
        ptr(dest),
        `The full script hard-codes the column names "image" and "text" (remove_columns(["image", "text"]) during pre-compute), so ${dest} "${v}" fails there: rename the dataset's columns to "image" and "text" instead.`,
        setFix(dest, name, `Use "${name}" (after renaming the dataset column)`),
      );
    }
  }
};

const pushToHub: Rule = ({ config, sink, set, eff }) => {
  if (set('push_to_hub') !== true) return;
  const extra =
    profileOf(config).pushToHubNeedsValidationPrompt && !present(set('validation_prompt'))
      ? ' Also, the LoRA script crashes at the end (UnboundLocalError) with push_to_hub but no validation_prompt.'
      : '';
  // upload_folder(output_dir) at the end of training skips only step_*/epoch_* folders.
  const limit = eff('checkpoints_total_limit');
  const checkpoints = isNum(limit)
    ? `the last ${limit} checkpoint-* folders (checkpoints_total_limit)`
    : 'every checkpoint-* folder (set checkpoints_total_limit to keep fewer)';
  const logDir = eff('logging_dir');
  // The logs are inside output_dir unless logging_dir is absolute (Path(output_dir, logging_dir)).
  const logs = typeof logDir === 'string' && isAbsolute(logDir) ? '' : ` and ${typeof logDir === 'string' ? `${logDir}/` : 'the logs'}`;
  sink.add(
    'warning',
    'push-to-hub',
    ptr('push_to_hub'),
    `push_to_hub uploads the whole output_dir when training ends: the final weights, but also ${checkpoints} with their optimizer states${logs}. ` +
      `To publish only the weights, leave push_to_hub off and upload them yourself afterwards (e.g. \`huggingface-cli upload\`).${extra}`,
    removeFix('push_to_hub', 'Remove push_to_hub'),
  );
};

/** Where the script will find a path argument: the script resolves it against the run's working folder, which the launch plan decides. */
function runPath(config: SdxlConfig, ctx: ValidateContext, value: string): string | undefined {
  if (isAbsolute(value)) return value;
  if (!ctx.configPath) return undefined;
  try {
    return resolve(buildLaunchPlan(config, ctx.configPath).cwd, value);
  } catch {
    return undefined;
  }
}

const IMAGE_FILE = /\.(?:png|jpe?g|webp|bmp|gif|tiff?)$/i;

/**
 * The training images' folders, checked on disk before any model loads (the scripts find out only after loading the
 * models, minutes into a run): instance_data_dir (DreamBooth opens every entry with PIL), train_data_dir (an
 * imagefolder, searched recursively), and class_data_dir, which the script creates and fills with generated images.
 */
const dataFolders: Rule = ({ config, sink, ctx, set }) => {
  if (!ctx.listDir) return;
  const folder = (dest: string): { dir: string; entries: string[] | undefined } | undefined => {
    const v = set(dest);
    if (typeof v !== 'string' || v === '') return undefined;
    const dir = runPath(config, ctx, v);
    return dir ? { dir, entries: ctx.listDir!(dir) } : undefined;
  };
  const dataArg = profileOf(config).datasetArg;
  if (dataArg === 'instance_data_dir' && !present(set('dataset_name'))) {
    const f = folder('instance_data_dir');
    if (f && !f.entries) {
      sink.add(
        'error',
        'data-dir-missing',
        ptr('instance_data_dir'),
        `instance_data_dir ${f.dir} does not exist (or is not a readable folder): the script raises "Instance images root doesn't exists." after loading the models.`,
      );
    } else if (f?.entries) {
      const images = f.entries.filter((n) => IMAGE_FILE.test(n));
      const others = f.entries.filter((n) => !IMAGE_FILE.test(n)).sort();
      if (images.length === 0) {
        sink.add(
          'error',
          'data-dir-no-images',
          ptr('instance_data_dir'),
          `instance_data_dir ${f.dir} holds no images (.png, .jpg, .jpeg, .webp, .bmp, .gif, .tiff): there is nothing to train on.`,
        );
      } else if (others.length > 0) {
        sink.add(
          'warning',
          'data-dir-other-files',
          ptr('instance_data_dir'),
          `instance_data_dir ${f.dir} also holds ${others
            .slice(0, 5)
            .map((n) => `"${n}"`)
            .join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}: ` +
            'the script opens every entry as an image and stops at the first that is not one (a folder, .DS_Store, a caption file). Move them out.',
        );
      }
    }
    if (set('with_prior_preservation') === true) {
      const c = folder('class_data_dir');
      if (c && !c.entries) {
        sink.add(
          'info',
          'class-dir-missing',
          ptr('class_data_dir'),
          `class_data_dir ${c.dir} does not exist: the script creates it and first generates num_class_images class images with the base model, which takes a while.`,
        );
      }
    }
  }
  if (dataArg === 'train_data_dir' && !present(set('dataset_name'))) {
    const f = folder('train_data_dir');
    if (f && !f.entries) {
      sink.add(
        'error',
        'data-dir-missing',
        ptr('train_data_dir'),
        `train_data_dir ${f.dir} does not exist (or is not a readable folder): the script fails loading it as an imagefolder after loading the models.`,
      );
    } else if (f?.entries && f.entries.length === 0) {
      sink.add('error', 'data-dir-no-images', ptr('train_data_dir'), `train_data_dir ${f.dir} is empty: there is nothing to train on.`);
    }
  }
};

const outputDirCheckpoints: Rule = ({ config, sink, ctx, eff, set }) => {
  const out = eff('output_dir');
  if (!ctx.listDir || typeof out !== 'string' || out === '') return;
  const dir = runPath(config, ctx, out);
  if (!dir) return;
  const entries = ctx.listDir(dir);
  if (!entries) return;
  // The script parses int(name.split("-")[1]) for every entry starting with "checkpoint".
  const bad = entries.filter((n) => n.startsWith('checkpoint') && !/^\d+$/.test(n.split('-')[1] ?? '')).sort();
  if (bad.length === 0) return;
  const crashes = isNum(set('checkpoints_total_limit')) || set('resume_from_checkpoint') === 'latest';
  sink.add(
    crashes ? 'error' : 'warning',
    'output-dir-checkpoint-names',
    ptr('output_dir'),
    `output_dir ${dir} holds ${bad
      .map((b) => `"${b}"`)
      .slice(0, 5)
      .join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}: names that start with "checkpoint" but are not checkpoint-<N> ` +
      `crash the script's checkpoint pruning (checkpoints_total_limit) and resume_from_checkpoint "latest". Rename or move ${bad.length > 1 ? 'them' : 'it'}.`,
  );
};

const prodigyBools: Rule = ({ config, sink, set }) => {
  if (!profileOf(config).prodigy) return;
  for (const spec of SCRIPTS[config.script].args) {
    if (spec.type !== 'bool' || set(spec.dest) !== false) continue;
    sink.add(
      'info',
      'argparse-bool-false',
      ptr(spec.dest),
      `${spec.name} is declared type=bool, so argparse reads any non-empty text (even "False") as True. The extension passes false as an empty value (${spec.name}=), ` +
        `the only form the script reads as False; copy that form if you run the command by hand.`,
    );
  }
};

const optimizerCombos: Rule = ({ config, sink, set, eff }) => {
  const opt = eff('optimizer');
  if (profileOf(config).prodigy && set('use_8bit_adam') === true && typeof opt === 'string' && opt.toLowerCase() === 'prodigy') {
    sink.add(
      'warning',
      '8bit-adam-with-prodigy',
      ptr('use_8bit_adam'),
      'use_8bit_adam is ignored with optimizer "prodigy" (the script only warns).',
      removeFix('use_8bit_adam'),
    );
  }
  if (profileOf(config).edmStyleTraining && set('do_edm_style_training') === true && isNum(set('snr_gamma'))) {
    sink.add(
      'error',
      'edm-with-snr-gamma',
      ptr('snr_gamma'),
      'snr_gamma cannot be combined with do_edm_style_training (the script raises "Min-SNR formulation is not supported when conducting EDM-style training").',
      removeFix('snr_gamma'),
    );
  }
};

const memoryVsGpu: Rule = ({ config, sink, ctx }) => {
  if (!ctx.gpus || ctx.gpus.length === 0 || !runsOnLocalGpus(config, ctx.profile ? { profile: ctx.profile } : {})) return;
  const ids = config.launch?.accelerateArgs?.gpu_ids;
  let gpus = ctx.gpus;
  if (typeof ids === 'string' && ids !== 'all') {
    const wanted = new Set(ids.split(',').map((s) => Number(s.trim())));
    const chosen = gpus.filter((g) => wanted.has(g.index));
    if (chosen.length > 0) gpus = chosen;
  }
  const smallest = gpus.reduce((a, b) => (b.memoryTotalMiB < a.memoryTotalMiB ? b : a));
  const est = estimateMemory(config);
  const have = smallest.memoryTotalMiB / 1024;
  if (est.totalGiB <= have) return;
  sink.add(
    'warning',
    'memory-exceeds-gpu',
    '/script',
    `Estimated peak GPU memory ${est.totalGiB.toFixed(1)} GiB exceeds GPU ${smallest.index} (${smallest.name}, ${have.toFixed(1)} GiB): expect CUDA out of memory ` +
      `(or, on Windows, a very slow fallback to system memory). Try gradient_checkpointing, use_8bit_adam, a smaller train_batch_size or resolution.`,
  );
};

const RULES: Rule[] = [
  fp16StockVae,
  datasetSource,
  priorPreservation,
  timestepBias,
  reportTo,
  validationEpochs,
  checkpointing,
  resolution,
  fullColumns,
  pushToHub,
  dataFolders,
  outputDirCheckpoints,
  prodigyBools,
  optimizerCombos,
  memoryVsGpu,
];

export function runSemanticRules(config: SdxlConfig, sink: DiagnosticSink, ctx: ValidateContext): void {
  const specs = SCRIPTS[config.script].byDest;
  const set = (dest: string): unknown => {
    const v = config.args[dest] as unknown;
    return v === null ? undefined : v;
  };
  const eff = (dest: string): unknown => {
    const spec = specs.get(dest);
    const v = set(dest);
    if (!spec) return v;
    const typed = spec.type === 'str' ? typeof v === 'string' : spec.type === 'int' || spec.type === 'float' ? isNum(v) : typeof v === 'boolean';
    return typed ? v : (spec.default ?? undefined);
  };
  for (const rule of RULES) rule({ config, sink, ctx, set, eff });
}
