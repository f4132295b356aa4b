// Which files of a finished run go to the Hub. LoRA kinds: the final `pytorch_lora_weights.safetensors`; full: the
// pipeline the script saved into output_dir (model_index.json and its component folders). Never the training state
// (checkpoint-*/optimizer.bin, scheduler.bin, random_states_*.pkl, scaler.pt) nor logs/: only when asked, each complete
// checkpoint's weights, under `checkpoints/checkpoint-N/`. Sample images go under `images/`.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { GenerationState } from '../generate/types';
import type { ScriptKind } from '../scripts/kinds';
import { checkpointStep } from '../worker/checkpoints';

export interface PublishEntry {
  /** Path in the repo, with `/`. */
  repoPath: string;
  localPath: string;
  size: number;
}

export interface SampleImage {
  /** A PNG on disk (the image cache or a generation job's output). */
  path: string;
  prompt: string;
}

export interface PublishSelectionInput {
  kind: ScriptKind;
  outputDir: string;
  includeCheckpoints?: boolean;
  images?: readonly SampleImage[];
  /**
   * The user's explicit choice when the final weights are missing (a failed or stopped run): publish checkpoint N's
   * weights in their place.
   */
  fromCheckpoint?: number;
}

export interface PublishSelection {
  ok: true;
  files: PublishEntry[];
  /** The images among `files`, with their prompts (the card's widget). */
  images: Array<{ repoPath: string; prompt: string }>;
  /** Where the published weights come from. */
  weights: 'final' | { checkpoint: number };
  /** Steps of the checkpoints whose weights are among `files` (under `checkpoints/checkpoint-N/`), oldest first. */
  checkpoints: number[];
}

export interface PublishSelectionError {
  ok: false;
  error: string;
  /** The newest checkpoint with weights, to offer in place of the missing final weights. */
  newestCheckpoint?: number;
}

const LORA_FILE = 'pytorch_lora_weights.safetensors';
/** The folders of a saved SDXL pipeline (StableDiffusionXLPipeline.save_pretrained). */
const PIPELINE_DIR = /^(scheduler|text_encoder(_2)?|tokenizer(_2)?|unet|vae)$/;

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** Every file below `dir`, relative with `/`, sorted (the same selection → the same order). */
async function filesBelow(dir: string, prefix = '', out: string[] = []): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) await filesBelow(p, `${prefix}${name}/`, out);
    else if (s?.isFile()) out.push(`${prefix}${name}`);
  }
  return out;
}

/** The weights a checkpoint folder holds, relative to it: the LoRA file, or a full run's `unet/` folder. */
async function checkpointWeights(kind: ScriptKind, dir: string): Promise<string[]> {
  if (kind === 'full') return (await filesBelow(join(dir, 'unet'))).map((f) => `unet/${f}`);
  return (await sizeOf(join(dir, LORA_FILE))) !== undefined ? [LORA_FILE] : [];
}

/** `checkpoint-N` steps under output_dir that hold weights, oldest first. */
async function checkpointsWithWeights(kind: ScriptKind, outputDir: string): Promise<number[]> {
  const names = await readdir(outputDir).catch(() => [] as string[]);
  const steps: number[] = [];
  for (const name of names) {
    const step = checkpointStep(name);
    if (step !== undefined && (await checkpointWeights(kind, join(outputDir, name))).length > 0) steps.push(step);
  }
  return steps.sort((a, b) => a - b);
}

async function entry(repoPath: string, localPath: string): Promise<PublishEntry> {
  const size = await sizeOf(localPath);
  if (size === undefined) throw new Error(`${localPath} is not a readable file`);
  return { repoPath, localPath, size };
}

/** The final weights' files (repo path → local path), or undefined when the run did not save them. */
async function finalWeights(kind: ScriptKind, outputDir: string): Promise<Array<[string, string]> | undefined> {
  if (kind !== 'full') {
    const p = join(outputDir, LORA_FILE);
    return (await sizeOf(p)) !== undefined ? [[LORA_FILE, p]] : undefined;
  }
  if ((await sizeOf(join(outputDir, 'model_index.json'))) === undefined) return undefined;
  const out: Array<[string, string]> = [['model_index.json', join(outputDir, 'model_index.json')]];
  const names = (await readdir(outputDir)).sort();
  for (const name of names) {
    if (!PIPELINE_DIR.test(name)) continue;
    for (const f of await filesBelow(join(outputDir, name))) out.push([`${name}/${f}`, join(outputDir, name, f)]);
  }
  return out;
}

function imageName(i: number, path: string): string {
  const ext = /\.(png|jpe?g|webp)$/i.exec(path)?.[1]?.toLowerCase() ?? 'png';
  return `images/image_${i}.${ext}`;
}

export async function selectPublishFiles(input: PublishSelectionInput): Promise<PublishSelection | PublishSelectionError> {
  const { kind, outputDir } = input;
  if ((await stat(outputDir).catch(() => undefined))?.isDirectory() !== true)
    return { ok: false, error: `The run's output_dir ${outputDir} does not exist: nothing to publish.` };
  const checkpoints = await checkpointsWithWeights(kind, outputDir);
  const newest = checkpoints[checkpoints.length - 1];
  const files: PublishEntry[] = [];
  let weights: PublishSelection['weights'] = 'final';
  if (input.fromCheckpoint !== undefined) {
    const step = input.fromCheckpoint;
    const dir = join(outputDir, `checkpoint-${step}`);
    const rel = await checkpointWeights(kind, dir);
    if (rel.length === 0) return { ok: false, error: `${dir} holds no weights (${kind === 'full' ? 'unet/' : LORA_FILE}).` };
    for (const f of rel) files.push(await entry(f, join(dir, f)));
    weights = { checkpoint: step };
  } else {
    const final = await finalWeights(kind, outputDir);
    if (!final) {
      const what = kind === 'full' ? 'the saved pipeline (model_index.json)' : LORA_FILE;
      const offer =
        newest !== undefined
          ? ` Its newest checkpoint, checkpoint-${newest}, has weights: publish those instead?`
          : ' It has no checkpoint with weights either.';
      return {
        ok: false,
        error: `The run's final weights are missing: no ${what} in ${outputDir} (the run failed or was stopped before saving).${offer}`,
        ...(newest !== undefined ? { newestCheckpoint: newest } : {}),
      };
    }
    for (const [repoPath, local] of final) files.push(await entry(repoPath, local));
  }
  if (input.includeCheckpoints) {
    for (const step of checkpoints) {
      const dir = join(outputDir, `checkpoint-${step}`);
      for (const f of await checkpointWeights(kind, dir)) files.push(await entry(`checkpoints/checkpoint-${step}/${f}`, join(dir, f)));
    }
  }
  const images: PublishSelection['images'] = [];
  for (const [i, img] of (input.images ?? []).entries()) {
    const repoPath = imageName(i, img.path);
    files.push(await entry(repoPath, img.path));
    images.push({ repoPath, prompt: img.prompt });
  }
  return { ok: true, files, images, weights, checkpoints: input.includeCheckpoints ? checkpoints : [] };
}

/** The run's last validation images (its final `test` images when it logged them), for the card's samples. */
export function lastValidationImages(
  entries: ReadonlyArray<{ tag: string; epoch: number; images: ReadonlyArray<{ ref: string }> }>,
  prompt: string,
): SampleImage[] {
  const onDisk = (e: (typeof entries)[number]) => e.images.some((i) => /\.png$/i.test(i.ref));
  let pick: (typeof entries)[number] | undefined;
  for (const e of entries) {
    if (!onDisk(e)) continue;
    // A later entry wins; the final test images win over any validation.
    if (!pick || e.tag === 'test' || (pick.tag !== 'test' && e.epoch >= pick.epoch)) pick = e;
  }
  return (pick?.images ?? []).filter((i) => /\.png$/i.test(i.ref)).map((i) => ({ path: i.ref, prompt }));
}

/**
 * A generation job's images of the published weights (source `final`, or `checkpoint-N` when those are published),
 * with their prompts: the card's samples when the user made some with "Generate Samples" / `generate`.
 */
export function generationImages(
  state: Pick<GenerationState, 'outputDir' | 'settings' | 'images'>,
  weights: PublishSelection['weights'] | 'final' = 'final',
): SampleImage[] {
  const label = weights === 'final' ? 'final' : `checkpoint-${weights.checkpoint}`;
  const prompts = state.settings?.prompts ?? [];
  return state.images
    .filter((i) => i.source === label && !isAbsolute(i.file) && !i.file.split(/[\\/]/).includes('..'))
    .map((i) => ({ path: join(state.outputDir, i.file), prompt: prompts[i.promptIndex] ?? '' }));
}
