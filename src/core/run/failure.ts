// Failure classifier: turns what a dead (or sick) run printed into one Diagnosis with a concrete remedy and, where a
// config change helps, a Fix in the same shape the config diagnostics use. Patterns: fact sheet §1.7. Pure.
import { SCRIPTS, SCRIPT_KINDS, scriptKindFromPath, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import type { Diagnosis, FailureClass, Fix, TracebackInfo } from './events';

/** What each failure class is called wherever a person reads it: dashboard banner, notifications, Problems, Runs view, summarize. */
export const FAILURE_TITLES: Readonly<Record<FailureClass, string>> = {
  cuda_oom: 'Out of GPU memory',
  host_oom_killed: 'Killed: out of host memory',
  missing_package: 'A Python package is missing',
  dataset_columns: 'The training data is missing or does not fit the script',
  argparse: 'The script rejected its arguments',
  diffusers_version: 'Needs a newer diffusers (from source)',
  nan_loss: 'Loss became NaN',
  hub_auth: 'Hugging Face Hub access refused',
  xformers_build: 'The installed xformers cannot run here',
  distributed: 'Multi-GPU communication failed',
  disk_full: 'The disk is full',
  other: 'Training error',
};

/** The title of a failure class; a class this version does not know (a newer record) reads as its words. */
export function failureTitle(cls: string): string {
  return Object.prototype.hasOwnProperty.call(FAILURE_TITLES, cls) ? FAILURE_TITLES[cls as FailureClass] : cls.replace(/_/g, ' ');
}

export interface FailureInput {
  tracebacks?: readonly TracebackInfo[];
  /** Error lines seen outside tracebacks (or simply the tail of the console). */
  lines?: readonly string[];
  exitCode?: number | null;
  signal?: string | null;
  /** First step whose console loss was NaN, when any. */
  nanLossStep?: number | null;
  script?: ScriptKind | null;
  /** The config's args, to pick a fix that is not already applied. */
  args?: Readonly<Record<string, ArgValue>>;
}

// Exceptions raised by the launchers about a child, not by the training itself.
const LAUNCHER_EXC = /CalledProcessError|ChildFailedError|SystemExit|KeyboardInterrupt/;
/** `module.SomeError: message`, as Python prints an uncaught exception. */
const PY_EXCEPTION = /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt): /;

function argOf(input: FailureInput, dest: string): ArgValue | undefined {
  if (input.args && dest in input.args) return input.args[dest];
  const spec = input.script ? SCRIPTS[input.script].byDest.get(dest) : SCRIPTS.full.byDest.get(dest);
  return spec?.default;
}

function has(input: FailureInput, dest: string): boolean {
  return input.script ? SCRIPTS[input.script].byDest.has(dest) : true;
}

const set = (dest: string, value: ArgValue) => ({ op: 'set' as const, path: `/args/${dest}`, value });

/** The child's own exception lines, launcher wrappers excluded, in order. */
function childExceptions(tbs: readonly TracebackInfo[]): string[] {
  return tbs.map((t) => t.exception).filter((e): e is string => !!e && !LAUNCHER_EXC.test(e));
}

// What the launcher prints when a child failed (its exception about the child, a signal death, the script's argparse
// error): the run failed whatever the child said.
const LAUNCHER_FAILED = /CalledProcessError|ChildFailedError|died with <Signals\.|\.py: error: /;

/** Whether a line says the launcher saw its child fail (sets RunState.launcherFailed). */
export function isLauncherFailureLine(text: string): boolean {
  return LAUNCHER_FAILED.test(text);
}

/** Whether a line is a launcher's exception about its child (CalledProcessError, …), not the training's own. */
export function isLauncherExceptionLine(text: string): boolean {
  return LAUNCHER_EXC.test(text);
}

/** Whether a line is a Python exception as printed when uncaught (`module.SomeError: message`), not a launcher's own. */
export function isChildExceptionLine(text: string): boolean {
  return PY_EXCEPTION.test(text) && !LAUNCHER_EXC.test(text);
}

export function classifyFailure(input: FailureInput): Diagnosis {
  const tbs = input.tracebacks ?? [];
  const lines = input.lines ?? [];
  const childExc = childExceptions(tbs);
  // Exception lines first: they name the cause; traceback bodies and loose lines can mention other things.
  const texts = [...childExc, ...lines, ...tbs.map((t) => t.exception ?? ''), ...tbs.flatMap((t) => t.lines)];
  // m[0] is set to the whole (trimmed) line: messages quote the line, not just the matched words.
  const find = (re: RegExp): RegExpExecArray | undefined => {
    for (const t of texts) {
      const m = re.exec(t);
      if (m) {
        m[0] = t.trim();
        return m;
      }
    }
    return undefined;
  };
  let m: RegExpExecArray | undefined;

  if ((m = find(/CUDA out of memory.*|OutOfMemoryError.*|MPS backend out of memory.*/))) return cudaOom(input, m[0]);
  if ((m = find(/No space left on device|\[Errno 28\].*/))) {
    return {
      class: 'disk_full',
      message: `The disk is full: ${m[0]}`,
      remedy: 'Free disk space where output_dir (and the datasets/HF cache) live. Full checkpoints take tens of GB each '
        + '(fp32 UNet plus optimizer state); limit how many are kept with checkpoints_total_limit.',
      configKey: '/args/checkpoints_total_limit',
      fix: { title: 'Keep only the 2 newest checkpoints', edits: [set('checkpoints_total_limit', 2)] },
    };
  }
  if ((m = find(/requires a source install from HuggingFace diffusers.*|cannot import name .* from 'diffusers.*/))) {
    return {
      class: 'diffusers_version',
      message: m[0],
      remedy: 'The script needs diffusers installed from source (main). In the training environment run '
        + '`pip install git+https://github.com/huggingface/diffusers` (or `pip install -e .` in a diffusers clone).',
    };
  }
  // Before the missing-package checks: this xformers is installed, its kernels are what is missing.
  if ((m = find(/No operator found for `?memory_efficient_attention_forward`?.*/))) {
    return {
      class: 'xformers_build', message: m[0],
      remedy: 'xformers is installed, but none of its attention kernels can run here: it was built without CUDA or for '
        + 'another torch/CUDA version (`python -m xformers.info` lists them as unavailable), or the run is on the CPU. '
        + 'Install the xformers build that matches your torch and CUDA, or turn off enable_xformers_memory_efficient_attention '
        + '(torch 2 has memory-efficient attention built in).',
      configKey: '/args/enable_xformers_memory_efficient_attention',
      fix: { title: 'Turn off xformers attention', edits: [set('enable_xformers_memory_efficient_attention', false)] },
    };
  }
  const pkg = missingPackage(input, find);
  if (pkg) return pkg;
  if ((m = find(/You cannot use both --report_to=wandb and --hub_token.*/))) {
    return {
      class: 'hub_auth', message: m[0],
      remedy: 'Do not put hub_token in the config when reporting to wandb; log in with `hf auth login` instead (the token is then read from the cache).',
      configKey: '/args/hub_token',
      fix: { title: 'Remove hub_token', edits: [{ op: 'remove', path: '/args/hub_token' }] },
    };
  }
  const hub = hubError(input, find);
  if (hub) return hub;
  const ds = datasetColumns(input, find);
  if (ds) return ds;
  if ((m = find(/(\S+\.py): error: (.*)/))) return argparseError(m[2]!, scriptKindFromPath(m[1]!) ?? input.script ?? undefined);
  if ((m = find(/NCCL.*|Watchdog caught collective operation timeout.*|DistNetworkError.*|EADDRINUSE.*|address already in use.*/i))) {
    const port = /EADDRINUSE|address already in use/i.test(m[0]);
    return {
      class: 'distributed', message: m[0],
      remedy: port
        ? 'The rendezvous port is taken (another run?). Stop the other run or set launch.accelerateArgs.main_process_port to a free port.'
        : 'A multi-GPU collective failed or timed out. Check that all GPUs are healthy and visible (nvidia-smi), try NCCL_P2P_DISABLE=1 '
          + 'in launch.env on consumer cards, and keep validation short (other ranks wait in a collective while rank 0 validates).',
      ...(port ? { configKey: '/launch/accelerateArgs/main_process_port' } : {}),
    };
  }
  const killed = input.signal === 'SIGKILL' || input.exitCode === 137 || input.exitCode === -9
    || !!find(/died with <Signals\.SIGKILL: 9>|exitcode\s*:\s*-9\b|^Killed\b/);
  if (killed && childExc.length === 0) return hostOom(input);
  if ((m = find(/ChildFailedError.*/)) && childExc.length === 0) {
    return {
      class: 'distributed', message: 'A training process failed (torch.distributed ChildFailedError); see the Root Cause table above it.',
      remedy: 'Look at the first failing rank\'s error in the console; if there is none, the process was probably killed (host memory).',
    };
  }
  if (childExc.length === 0 && input.nanLossStep !== undefined && input.nanLossStep !== null) return nanLoss(input, input.nanLossStep);
  // A Python exception line outside any traceback (a log that starts mid-traceback) names the cause better than a
  // launcher's own exception does.
  const looseExc = lines.filter((l) => PY_EXCEPTION.test(l) && !LAUNCHER_EXC.test(l));
  const last = childExc[childExc.length - 1] ?? looseExc[looseExc.length - 1] ?? tbs[tbs.length - 1]?.exception ?? lines[lines.length - 1];
  if (last === undefined && tbs.some((t) => t.exception === undefined)) {
    return {
      class: 'other',
      message: 'The console ends inside a traceback, before its exception line: the cause is unknown.',
      remedy: 'The process died while printing its error (or the log was cut). Read the traceback in the console log; '
        + 'its last frames show where it failed. Run again to see the whole error.',
    };
  }
  return {
    class: 'other',
    message: last ?? (input.signal ? `The run was ended by ${input.signal}.` : `The run exited with code ${input.exitCode ?? 'unknown'}.`),
    remedy: 'Read the last traceback in the console log; the exception line names the cause.',
  };
}

function cudaOom(input: FailureInput, message: string): Diagnosis {
  const remedy = 'The GPU ran out of memory. In order of cost: enable gradient_checkpointing, lower train_batch_size (raise '
    + 'gradient_accumulation_steps to keep the effective batch), use_8bit_adam, mixed_precision bf16 (or fp16), '
    + 'enable_xformers_memory_efficient_attention, a lower resolution; the full fine-tune needs about 40 GB, the LoRA scripts fit 24 GB.';
  let fix: Fix | undefined;
  const bs = Number(argOf(input, 'train_batch_size') ?? 1);
  const ga = Number(argOf(input, 'gradient_accumulation_steps') ?? 1);
  if (argOf(input, 'gradient_checkpointing') !== true) {
    fix = { title: 'Enable gradient checkpointing', edits: [set('gradient_checkpointing', true)] };
  } else if (bs > 1) {
    const nb = Math.max(1, Math.floor(bs / 2));
    fix = {
      title: `Halve train_batch_size to ${nb} (gradient_accumulation_steps ${ga} → ${ga * 2})`,
      edits: [set('train_batch_size', nb), set('gradient_accumulation_steps', ga * 2)],
    };
  } else if (has(input, 'use_8bit_adam') && argOf(input, 'use_8bit_adam') !== true) {
    fix = { title: 'Use 8-bit Adam (needs bitsandbytes)', edits: [set('use_8bit_adam', true)] };
  } else if (!argOf(input, 'mixed_precision') || argOf(input, 'mixed_precision') === 'no') {
    fix = { title: 'Train in bf16 mixed precision', edits: [set('mixed_precision', 'bf16')] };
  }
  const configKey = fix?.edits[0]?.path ?? '/args/train_batch_size';
  return { class: 'cuda_oom', message, remedy, configKey, ...(fix ? { fix } : {}) };
}

function hostOom(input: FailureInput): Diagnosis {
  const workers = Number(argOf(input, 'dataloader_num_workers') ?? 0);
  return {
    class: 'host_oom_killed',
    message: 'The training process was killed (SIGKILL) without a Python error.',
    remedy: 'Most likely the Linux OOM killer: host RAM ran out (often during pre-compute, which keeps text embeddings of about '
      + '0.6 MB per example in memory). Check `dmesg | grep -i oom`, add RAM or swap, train on fewer examples (max_train_samples) '
      + 'or use fewer dataloader workers.',
    configKey: '/args/dataloader_num_workers',
    ...(workers > 0 ? { fix: { title: 'Use no dataloader worker processes', edits: [set('dataloader_num_workers', 0)] } } : {}),
  };
}

function nanLoss(input: FailureInput, step: number): Diagnosis {
  const lr = Number(argOf(input, 'learning_rate') ?? 1e-4);
  const mp = argOf(input, 'mixed_precision');
  const fix: Fix = mp === 'fp16'
    ? { title: 'Train in bf16 instead of fp16', edits: [set('mixed_precision', 'bf16')] }
    : { title: `Halve learning_rate to ${lr / 2}`, edits: [set('learning_rate', lr / 2)] };
  return {
    class: 'nan_loss',
    message: `The training loss became NaN at step ${step}.`,
    remedy: 'The weights are diverging: lower learning_rate, prefer bf16 over fp16 (with fp16 use the fp16-safe VAE '
      + 'madebyollin/sdxl-vae-fp16-fix as pretrained_vae_model_name_or_path), keep max_grad_norm at 1, and resume from the last '
      + 'checkpoint saved before the NaN.',
    configKey: fix.edits[0]!.path,
    fix,
  };
}

function missingPackage(input: FailureInput, find: (re: RegExp) => RegExpExecArray | undefined): Diagnosis | undefined {
  let m: RegExpExecArray | undefined;
  if ((m = find(/xformers is not available.*|No module named 'xformers'.*/))) {
    return {
      class: 'missing_package', message: m[0],
      remedy: 'Install xformers matching your torch build (`pip install xformers`), or turn off enable_xformers_memory_efficient_attention '
        + '(recent torch has efficient attention built in).',
      configKey: '/args/enable_xformers_memory_efficient_attention',
      fix: { title: 'Turn off xformers attention', edits: [set('enable_xformers_memory_efficient_attention', false)] },
    };
  }
  if ((m = find(/install the bitsandbytes library.*|No module named 'bitsandbytes'.*/))) {
    return {
      class: 'missing_package', message: m[0],
      remedy: 'Install bitsandbytes (`pip install bitsandbytes`) or turn off use_8bit_adam.',
      configKey: '/args/use_8bit_adam',
      fix: { title: 'Turn off 8-bit Adam', edits: [set('use_8bit_adam', false)] },
    };
  }
  if ((m = find(/install wandb.*|No module named 'wandb'.*/))) {
    return {
      class: 'missing_package', message: m[0],
      remedy: 'Install wandb (`pip install wandb`, then `wandb login`) or report to tensorboard.',
      configKey: '/args/report_to',
      fix: { title: 'Report to TensorBoard', edits: [set('report_to', 'tensorboard')] },
    };
  }
  if ((m = find(/No module named '([\w.]+)'.*/))) {
    const mod = m[1]!.split('.')[0]!;
    const pipName: Record<string, string> = { PIL: 'pillow', cv2: 'opencv-python', yaml: 'pyyaml', sklearn: 'scikit-learn' };
    void input;
    return {
      class: 'missing_package', message: m[0],
      remedy: `Install the missing package in the training environment: \`pip install ${pipName[mod] ?? mod}\` `
        + '(see examples/text_to_image/requirements_sdxl.txt).',
    };
  }
  return undefined;
}

function datasetColumns(input: FailureInput, find: (re: RegExp) => RegExpExecArray | undefined): Diagnosis | undefined {
  let m: RegExpExecArray | undefined;
  if ((m = find(/--(caption|image)_column' value '([^']*)' needs to be one of: (.*)/))) {
    const which = m[1]!;
    return {
      class: 'dataset_columns', message: m[0],
      remedy: `The dataset has no column '${m[2]}' (its columns: ${m[3]}). With train_data_dir this usually means metadata.jsonl is `
        + 'missing or misnamed: add one line per image like {"file_name": "0001.png", "text": "a caption"}'
        + (input.script === 'full' ? '. The full script also hard-codes the column names image and text.' : `, or set ${which}_column.`),
      configKey: `/args/${which}_column`,
    };
  }
  if ((m = find(/Instance images root doesn't exists?.*|Class images root doesn't exists?.*/))) {
    // DreamBooth's DreamBoothDataset, raised only after every model has loaded (the real v0.27.2 run showed it).
    const cls = /^.*Class images root/.test(m[0]);
    const dest = cls ? 'class_data_dir' : 'instance_data_dir';
    const dir = input.args?.[dest];
    return {
      class: 'dataset_columns', message: m[0],
      remedy: `The ${dest} folder${typeof dir === 'string' && dir ? ` (${dir})` : ''} does not exist as the script resolves it (against the run's `
        + 'working folder when relative). Point it at the folder that holds your training images, or create it and put the images there.',
      configKey: `/args/${dest}`,
    };
  }
  if ((m = find(/Need either a dataset name or a training folder.*/))) {
    return {
      class: 'dataset_columns', message: m[0],
      remedy: 'Set dataset_name (a Hub dataset) or train_data_dir (an image folder with metadata.jsonl).',
      configKey: input.script === 'dreambooth-lora' ? '/args/instance_data_dir' : '/args/train_data_dir',
    };
  }
  if ((m = find(/Column to remove .* not in the dataset.*|Columns? .* not in the dataset.*/))) {
    return {
      class: 'dataset_columns', message: m[0],
      remedy: 'The pre-compute step removes the columns "image" and "text" by name: the dataset must use exactly those column names '
        + '(rename them in the dataset or metadata.jsonl).',
      configKey: '/args/caption_column',
    };
  }
  return undefined;
}

/** A Hub id named in a Hub error: in its URL (`/api/models/ORG/NAME/…`, `/ORG/NAME/resolve/…`) or "Access to model X". */
function hubRepoId(text: string): string | undefined {
  const m = /Access to model (\S+?) is restricted/.exec(text)
    ?? /huggingface\.co\/api\/(?:models|datasets)\/([\w.-]+\/[\w.-]+)/.exec(text)
    ?? /huggingface\.co\/(?:datasets\/)?([\w.-]+\/[\w.-]+)\/resolve\//.exec(text);
  return m?.[1];
}

/** The config key whose value is `id`, else the base model's. */
function hubConfigKey(input: FailureInput, id: string | undefined): string {
  for (const dest of ['pretrained_model_name_or_path', 'pretrained_vae_model_name_or_path', 'dataset_name', 'hub_model_id']) {
    if (id !== undefined && input.args?.[dest] === id) return `/args/${dest}`;
  }
  return '/args/pretrained_model_name_or_path';
}

/** Hugging Face Hub refusals while loading (or pushing): gated, not found (or private), not signed in. */
function hubError(input: FailureInput, find: (re: RegExp) => RegExpExecArray | undefined): Diagnosis | undefined {
  let m: RegExpExecArray | undefined;
  // The id is often only in an earlier exception of the chain (the request's URL) or in transformers' wording.
  const anyId = (): string | undefined => find(/(\S+) is not a local folder/)?.[1]
    ?? hubRepoId(find(/huggingface\.co\/\S+\/(?:resolve|revision)\/.*|Access to model \S+ is restricted.*/)?.[0] ?? '');
  if ((m = find(/GatedRepoError.*|Cannot access gated repo.*|Access to model \S+ is restricted.*|You are trying to access a gated repo.*/))) {
    const id = hubRepoId(m[0]) ?? anyId();
    return {
      class: 'hub_auth', message: m[0],
      remedy: `${id ?? 'The model'} is gated: request access on its Hub page${id ? ` (https://huggingface.co/${id})` : ''} with your account, `
        + 'wait for it to be granted, then sign in with `hf auth login` (or set HF_TOKEN in launch.env) so the training uses that account.',
      configKey: hubConfigKey(input, id),
    };
  }
  if ((m = find(/RepositoryNotFoundError.*|Repository Not Found for url.*|is not a local folder and is not a valid model identifier.*/))) {
    const id = anyId();
    return {
      class: 'hub_auth', message: m[0],
      remedy: `Check the id ${id ? `"${id}" ` : ''}(pretrained_model_name_or_path: a Hub id like \`stabilityai/stable-diffusion-xl-base-1.0\` `
        + 'or a local folder; the spelling, the organisation). The Hub answers "not found" for private and gated repos too when '
        + 'the request carries no token: sign in with `hf auth login` (or set HF_TOKEN in launch.env).',
      configKey: hubConfigKey(input, id),
    };
  }
  if ((m = find(/401 Client Error.*|403 Client Error.*|Unauthorized.*|Invalid (?:user )?token.*|Invalid credentials in Authorization header.*|not logged in.*/i))) {
    return {
      class: 'hub_auth', message: m[0],
      remedy: 'The Hugging Face Hub refused the request: the training is not signed in, or its token is invalid or expired. '
        + 'Sign in with `hf auth login` (or set HF_TOKEN in launch.env); for a gated model, also accept its terms on its Hub page.',
      configKey: /api\/repos\/create|push_to_hub/.test(m[0]) ? '/args/hub_token' : hubConfigKey(input, hubRepoId(m[0])),
    };
  }
  return undefined;
}

function argparseError(error: string, script: ScriptKind | undefined): Diagnosis {
  let m: RegExpExecArray | null;
  const dest = (flag: string) => flag.replace(/^--?/, '');
  if ((m = /the following arguments are required: (.*)/.exec(error))) {
    const first = m[1]!.split(',')[0]!.trim();
    return {
      class: 'argparse', message: error,
      remedy: `Set the required argument(s) ${m[1]} in the config's args.`,
      configKey: `/args/${dest(first)}`,
    };
  }
  if ((m = /unrecognized arguments: (\S+)/.exec(error))) {
    const flag = m[1]!.split('=')[0]!;
    const key = `/args/${dest(flag)}`;
    return {
      class: 'argparse', message: error,
      remedy: unknownArgumentRemedy(flag, script),
      configKey: key,
      fix: { title: `Remove ${flag}`, edits: [{ op: 'remove', path: key }] },
    };
  }
  if ((m = /argument (--[\w-]+)/.exec(error))) {
    return {
      class: 'argparse', message: error,
      remedy: `Fix the value of ${m[1]}: ${error}`,
      configKey: `/args/${dest(m[1]!)}`,
    };
  }
  return { class: 'argparse', message: error, remedy: 'Fix the script arguments named in the message.' };
}

/**
 * Why the script the user runs does not know `flag`. Our tables come from a newer diffusers than many users' clones:
 * an argument they list for this very script means the installed script is older, not that it belongs elsewhere.
 */
function unknownArgumentRemedy(flag: string, script: ScriptKind | undefined): string {
  const d = flag.replace(/^--?/, '');
  if (script && SCRIPTS[script].byDest.has(d)) {
    const file = SCRIPTS[script].fileName;
    return `The installed ${file} does not know ${flag}: it comes from a newer diffusers release than the script you run. `
      + `Remove it from the config, or update the script (a diffusers checkout at a newer release, or launch.scriptPath) to one that has it.`;
  }
  const others = SCRIPT_KINDS.filter((k) => k !== script && SCRIPTS[k].byDest.has(d)).map((k) => SCRIPTS[k].fileName);
  if (others.length) return `This script has no argument ${flag}; remove it (${others.join(' and ')} ${others.length > 1 ? 'have' : 'has'} it: another of the three scripts).`;
  return `This script has no argument ${flag}, nor do the other two SDXL scripts; remove it (check the spelling).`;
}

/**
 * accelerate silently drops the TensorBoard tracker when the package is missing: the only sign is that no logs dir
 * appears although report_to asks for tensorboard. Call once training has logged steps.
 */
export function checkTensorboardLogs(input: { reportTo: ArgValue | undefined; logsDirExists: boolean; step: number | null }): Diagnosis | undefined {
  const reportTo = input.reportTo === undefined || input.reportTo === null ? 'tensorboard' : String(input.reportTo);
  if (!(reportTo === 'tensorboard' || reportTo === 'all') || input.logsDirExists || !input.step || input.step < 1) return undefined;
  return {
    class: 'missing_package',
    message: `report_to is ${reportTo} but no TensorBoard logs dir appeared after ${input.step} steps.`,
    remedy: 'accelerate drops the TensorBoard tracker without an error when the tensorboard package is missing: '
      + '`pip install tensorboard` in the training environment (train_loss and validation images are only logged there).',
    configKey: '/args/report_to',
  };
}

export interface HangCheck {
  hung: boolean;
  /** Seconds since the last progress. */
  sinceSec: number;
  /** Median seconds between recent progress updates. */
  typicalStepSec: number;
}

/**
 * No progress for `factor` times the usual step time (and at least `minSec`, since checkpoint saves and validation
 * legitimately pause the bar). `progressTimes` are ms timestamps of step changes, oldest first. Undefined until 3 are known.
 */
export function detectHang(progressTimes: readonly number[], now: number, opts: { factor?: number; minSec?: number; window?: number } = {}): HangCheck | undefined {
  const factor = opts.factor ?? 20;
  const minSec = opts.minSec ?? 600;
  const recent = progressTimes.slice(-(opts.window ?? 20));
  if (recent.length < 3) return undefined;
  const gaps = recent.slice(1).map((t, i) => (t - recent[i]!) / 1000).filter((g) => g >= 0).sort((a, b) => a - b);
  if (gaps.length === 0) return undefined;
  const typicalStepSec = gaps[Math.floor(gaps.length / 2)]!;
  const sinceSec = Math.max(0, (now - recent[recent.length - 1]!) / 1000);
  return { hung: sinceSec > Math.max(minSec, factor * typicalStepSec), sinceSec, typicalStepSec };
}
