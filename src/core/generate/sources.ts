// What a training run offers to generate with (the base model, its complete checkpoints, its final weights), and the
// settings a generation starts from (the run's own base model, VAE, prompt, resolution and seed), docs/generation.md.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { CheckpointInfo } from '../run/events';
import type { ArgValue, ScriptKind } from '../scripts/scriptTables';
import { profileOfRecorded } from '../scripts/profiles';
import type { GenerationSettings, GenerationSource, GenerationSourceKind } from './types';

/** Defaults a new generation starts from; small enough to be quick, enough steps for a recognisable SDXL image. */
export const DEFAULT_STEPS = 25;
export const DEFAULT_GUIDANCE = 5.0;
export const DEFAULT_NUM_IMAGES = 2;
/** SDXL's native size, the scripts' own `resolution` default. */
export const DEFAULT_RESOLUTION = 1024;

export interface RunWeights {
  /** The script that trained (RunState.script / the plan's); unknown offers the base model only. */
  script: ScriptKind | null | undefined;
  /** The run's output_dir, absolute (outputDirOf(plan)). */
  outputDir: string;
  /** The run's own checkpoints (RunState.checkpoints: those its console saved); incomplete or still saving ones are skipped. */
  checkpoints: ReadonlyArray<CheckpointInfo & { saving?: boolean }>;
  /** The script's final weights file (profile finalWeightsFile) is in output_dir: see finalWeightsExist. */
  finalExists: boolean;
  /** The run's last step, the final weights' step (RunState.step). */
  lastStep?: number | null;
}

/** How the script loads a checkpoint-N and the final output of a script kind; undefined for an unknown script. */
export function sourceKinds(script: ScriptKind | null | undefined): { checkpoint: GenerationSourceKind; final: GenerationSourceKind } | undefined {
  const weights = profileOfRecorded(script)?.checkpointWeights;
  if (weights === 'lora') return { checkpoint: 'lora', final: 'lora' };
  // A full fine-tune saves accelerate state with `unet/` in checkpoint-N, and a whole pipeline in output_dir at the end.
  if (weights === 'unet') return { checkpoint: 'unet', final: 'pipeline' };
  return undefined;
}

/** `base`, then `checkpoint-N` by step, then `final`: the comparison's columns in training order. */
export function generationSources(run: RunWeights): GenerationSource[] {
  const sources: GenerationSource[] = [{ label: 'base', kind: 'base' }];
  const kinds = sourceKinds(run.script);
  if (!kinds) return sources;
  const seen = new Set<number>();
  const complete = run.checkpoints.filter((c) => c.complete && !c.saving).sort((a, b) => a.step - b.step);
  for (const c of complete) {
    if (seen.has(c.step)) continue;
    seen.add(c.step);
    // The folder by name under output_dir: the recorded path may be relative to the run's working folder.
    sources.push({ label: `checkpoint-${c.step}`, kind: kinds.checkpoint, path: join(run.outputDir, `checkpoint-${c.step}`), step: c.step });
  }
  if (run.finalExists) {
    const final: GenerationSource = { label: 'final', kind: kinds.final, path: run.outputDir };
    const step = run.lastStep ?? undefined;
    if (step !== undefined) final.step = step;
    sources.push(final);
  }
  return sources;
}

export interface DefaultSettingsInput {
  script: ScriptKind | null | undefined;
  /** The run's script arguments (RunState.args, or argsFromArgv of its plan). */
  args: Readonly<Record<string, ArgValue>> | null | undefined;
  sources: GenerationSource[];
  /** The run's working folder: a model path written `./…` or `../…` is relative to it. */
  cwd?: string;
}

function str(args: DefaultSettingsInput['args'], name: string): string | undefined {
  const v = args?.[name];
  return typeof v === 'string' && v.trim() ? v : undefined;
}

/** A local path the training read relative to its working folder; Hub ids (`org/name`) stay as they are. */
function modelPath(value: string | undefined, cwd: string | undefined): string | undefined {
  if (!value || !cwd || isAbsolute(value) || !/^\.\.?([/\\]|$)/.test(value)) return value;
  return resolve(cwd, value);
}

/**
 * Settings from the run's arguments: the same base model, VAE, revision and variant it trained on, its validation
 * prompt (DreamBooth: else its instance prompt), its resolution (square, down to a multiple of 8) and seed.
 * `prompts` is empty when the run has no prompt to offer (the caption-trained scripts without validation_prompt).
 */
export function defaultSettings(input: DefaultSettingsInput): GenerationSettings {
  const { args, script } = input;
  const prompt = str(args, 'validation_prompt') ?? (script === 'dreambooth-lora' ? str(args, 'instance_prompt') : undefined);
  const res = args?.resolution;
  const side = typeof res === 'number' && Number.isInteger(res) && res >= 8 ? res - (res % 8) : DEFAULT_RESOLUTION;
  const seed = args?.seed;
  const settings: GenerationSettings = {
    baseModel: modelPath(str(args, 'pretrained_model_name_or_path'), input.cwd) ?? '',
    sources: input.sources,
    prompts: prompt ? [prompt] : [],
    steps: DEFAULT_STEPS,
    guidance: DEFAULT_GUIDANCE,
    seed: typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32 ? seed : 0,
    numImages: DEFAULT_NUM_IMAGES,
    width: side,
    height: side,
  };
  const vae = modelPath(str(args, 'pretrained_vae_model_name_or_path'), input.cwd);
  if (vae) settings.vae = vae;
  const revision = str(args, 'revision');
  if (revision) settings.revision = revision;
  const variant = str(args, 'variant');
  if (variant) settings.variant = variant;
  return settings;
}

/** Whether the script's final weights file is in output_dir (a stopped or failed run has none). */
export async function finalWeightsExist(outputDir: string, script: ScriptKind | null | undefined): Promise<boolean> {
  // An unknown script has no final weights to offer (unknownExit.ts's finalWeightsFile guesses LoRA's instead).
  const file = profileOfRecorded(script)?.finalWeightsFile;
  if (!file) return false;
  try {
    return (await stat(join(outputDir, file))).isFile();
  } catch {
    return false;
  }
}
