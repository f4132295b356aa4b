// Shapes of a generation job: images made with a trained model (or the base model) by python/sdxl_generate.py, the
// project's own small script (docs/generation.md), run in the training interpreter and supervised like a run.
//
// Where things live (a job owns its output folder, as a run owns its output_dir):
//   <workspace>/.sdxl/generations/<job id>/   run.json, console.log, exit.json — the supervisor's record of the job
//                                             (Supervisor with this records folder; the same detached wrapper)
//   <job outputDir>/                          chosen before the start, unique: <workspace>/.sdxl/samples/<time>-<slug>
//     request.json                            GenerationRequest, written by startGeneration before the job starts
//     generation.json                         GenerationResult, rewritten after every image (atomic)
//     <source label>/<prompt index>-<seed>.png one image per source × prompt × seed
//
// The job's argv (argument array, no shell): `<python> <ext>/python/sdxl_generate.py --pretrained_model_name_or_path M
//   [--pretrained_vae_model_name_or_path V] [--revision R] [--variant V] --source LABEL=KIND[:PATH] … --prompt P …
//   [--negative_prompt N] --num_inference_steps S --guidance_scale G --seed SEED --num_images K --width W --height H
//   --output_dir DIR [--device auto|cuda|cpu]`; the record's plan.script is the training run's script kind.

/** How a source's weights are loaded on top of (or instead of) the base pipeline. */
export type GenerationSourceKind =
  | 'base' // the base model as it is (pretrained_model_name_or_path + VAE)
  | 'lora' // base + load_lora_weights(PATH): a folder with pytorch_lora_weights.safetensors, or that file
  | 'unet' // base with its UNet replaced by PATH/unet (a full fine-tune's checkpoint-N)
  | 'pipeline'; // a whole saved pipeline folder (a full fine-tune's final output_dir)

export interface GenerationSource {
  /** Folder name and column title: `base`, `checkpoint-4`, `final`; matches /^[A-Za-z0-9][\w.-]*$/. */
  label: string;
  kind: GenerationSourceKind;
  /** Absolute path; absent for `base`. */
  path?: string;
  /** The training step these weights are from (checkpoint-N → N; final → the run's last step), for ordering. */
  step?: number;
}

/** Everything the user chose; one job makes sources × prompts × numImages images with the same seeds per source. */
export interface GenerationSettings {
  /** The run's base model and VAE (its config's args), so base and trained weights are compared on equal terms. */
  baseModel: string;
  vae?: string;
  revision?: string;
  variant?: string;
  sources: GenerationSource[];
  prompts: string[];
  negativePrompt?: string;
  steps: number;
  guidance: number;
  /** Image k of every prompt uses seed + k, whatever the source: the comparison's rows line up. */
  seed: number;
  numImages: number;
  width: number;
  height: number;
  device?: 'auto' | 'cuda' | 'cpu';
}

/** `<outputDir>/request.json`: what was asked and for which run, known before the script prints anything. */
export interface GenerationRequest {
  version: 1;
  /** The training run whose weights are used; absent for a base-model-only job. */
  runId?: string;
  /** The run's name as shown when the job started (its label, else its id). */
  runName?: string;
  settings: GenerationSettings;
  createdAt: string;
}

export const GENERATION_REQUEST_FILE = 'request.json';

/** One image written. `file` is relative to the job's output folder, `<label>/<prompt index>-<seed>.png`. */
export interface GeneratedImage {
  source: string;
  promptIndex: number;
  seed: number;
  file: string;
  /** Seconds this image took (denoising + decode). */
  seconds?: number;
}

/** `<outputDir>/generation.json`, written by the script (the settings as it understood them, and every image so far). */
export interface GenerationResult {
  version: 1;
  settings: GenerationSettings;
  /** The device and dtype the script chose (`cuda`/`cpu`, `float16`/`float32`…), known once the pipeline loaded. */
  device?: string;
  dtype?: string;
  images: GeneratedImage[];
  /** true once every image is written. */
  complete: boolean;
}

/**
 * Progress lines the script prints on stdout, one JSON object per line after the prefix `SDXL_GENERATE `
 * (so they stand out from diffusers' and tqdm's own output in console.log, which is otherwise kept as it is).
 */
export const GENERATE_LINE_PREFIX = 'SDXL_GENERATE ';

export type GenerationLine =
  | { event: 'start'; total: number; sources: string[]; prompts: number; numImages: number }
  | { event: 'loaded'; source: string; device: string; dtype: string; seconds: number }
  | { event: 'step'; source: string; promptIndex: number; seed: number; step: number; steps: number }
  | { event: 'image'; source: string; promptIndex: number; seed: number; file: string; seconds: number; done: number; total: number }
  | { event: 'done'; images: number; seconds: number }
  | { event: 'error'; message: string; source?: string };

export type GenerationStatus = 'starting' | 'loading' | 'generating' | 'succeeded' | 'failed' | 'stopped';

/** What every view of a job shows, reduced from its record, console lines and generation.json. */
export interface GenerationState {
  jobId: string;
  /** The training run whose weights are used (absent for a base-model-only job started from a config). */
  runId?: string;
  name: string;
  outputDir: string;
  status: GenerationStatus;
  settings?: GenerationSettings;
  device?: string;
  dtype?: string;
  total: number;
  /** Images written, in the order they appeared. */
  images: GeneratedImage[];
  /** The image being made now: its denoising step. */
  current?: { source: string; promptIndex: number; seed: number; step: number; steps: number };
  /** Why it failed (the script's error line, or the last Python exception in console.log). */
  error?: string;
  startedAt?: string;
  endedAt?: string;
}

/** Records folder of generation jobs, beside `.sdxl/runs`. */
export const GENERATIONS_DIR = ['.sdxl', 'generations'] as const;
/** Parent of the jobs' output folders. */
export const SAMPLES_DIR = ['.sdxl', 'samples'] as const;
export const GENERATION_RESULT_FILE = 'generation.json';
/** The script, relative to the extension's (or the CLI package's) root. */
export const GENERATE_SCRIPT = ['python', 'sdxl_generate.py'] as const;
