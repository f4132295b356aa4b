// Everything that differs by script kind, in one place: a new kind is its argument table (data/*.args.json) plus one
// entry here, and the compiler names what else is missing. Facts: docs/worker-formats.md (#output-folder, #logs for
// trackers and defaults) and the scripts themselves; test/unit/scriptProfiles.test.ts keeps each entry consistent with its table.
import fullTable from './data/full.args.json';
import loraTable from './data/lora.args.json';
import dreamboothTable from './data/dreambooth-lora.args.json';
import { SCRIPT_KINDS, type ScriptKind } from './kinds';

/** An argument table as stored in ./data (copied from the project's reference, with the diffusers commit). */
export interface RawArgTable {
  source: string;
  commit: string;
  requires_diffusers?: string;
  tracker_project_name: string;
  args: Array<{
    name: string;
    dest: string;
    type: string;
    default: string | number | boolean | null;
    choices: (string | number)[] | null;
    required: boolean;
    help: string | null;
    notes?: string;
  }>;
}

/** What the memory estimate models differently by script (config/memoryEstimate.ts; docs/memory-estimate.md). */
export interface MemoryProfile {
  /** Trains the whole UNet in fp32 (else LoRA adapters on a frozen UNet, text encoders optionally LoRA-trained too). */
  readonly fullUnet: boolean;
  /** Text embeddings and VAE latents are pre-computed before training, so no VAE encoding happens per step. */
  readonly precomputesLatents: boolean;
  /** The text encoders stay loaded all through training even when not trained. */
  readonly textEncodersResident: boolean;
  /** Per-image prompts (caption_column with dataset_name) keep the text encoders loaded. */
  readonly captionPromptsKeepTextEncoders: boolean;
  /** The VAE is kept in fp32 whatever the mixed precision or VAE. */
  readonly vaeAlwaysFp32: boolean;
}

/** What the console tells apart (worker/consoleParser.ts). */
export interface ConsoleProfile {
  /** A banner field only this script logs, a hint that the console is its. */
  readonly ownBannerField?: 'numBatchesEachEpoch';
  /** The Steps bar's loss postfix key. */
  readonly lossPostfix: 'loss' | 'step_loss';
  /**
   * Loads the validation pipeline before it logs "Running validation..." (DreamBooth v0.27.2), so a pipeline load
   * before the final weights are saved is a validation even once the steps are done.
   */
  readonly loadsPipelineBeforeValidationLog: boolean;
}

export interface ScriptProfile {
  readonly kind: ScriptKind;
  /** Its argument table (./data); scriptTables.ts reads it. */
  readonly table: RawArgTable;
  /** The script's file name in diffusers (train_….py): the default launch.scriptPath, and how a console names it. */
  readonly fileName: string;
  /** Capitalised name, as a picker shows it ("DreamBooth LoRA"). */
  readonly label: string;
  /** As a sentence says it ("a full fine-tune argument"). */
  readonly noun: string;
  /** Tracker project names the script logs under (`<logs>/<project>/`): its table's, then older releases'. */
  readonly trackerProjects: readonly string[];
  /** The script's own output_dir default, where the plan passes none. */
  readonly defaultOutputDir: string;
  /** Generated JSON schema's file name inside schemas/. */
  readonly schemaFile: string;
  /** The argument naming the local training image folder. */
  readonly datasetArg: 'instance_data_dir' | 'train_data_dir';
  /** What its TensorBoard events hold, as a sentence names them. */
  readonly eventScalars: string;
  /** prediction_type values the script accepts (checked at the first step, not by argparse). */
  readonly predictionTypes: readonly string[];
  /** Which weights make a checkpoint-N complete: the UNet folder (full) or the LoRA weights file. */
  readonly checkpointWeights: 'unet' | 'lora';
  /** The file the script writes into output_dir once training is over. */
  readonly finalWeightsFile: string;
  /** Hard-codes the dataset column names (remove_columns(["image", "text"]) in pre-compute): image_column/caption_column must be these. */
  readonly fixedColumns: { readonly image_column: string; readonly caption_column: string } | null;
  /** Has timestep_bias_* arguments, checked at the first step. */
  readonly timestepBias: boolean;
  /** Has with_prior_preservation (class images: class_data_dir, class_prompt; they double the UNet batch). */
  readonly priorPreservation: boolean;
  /** Offers `optimizer` "prodigy" (else AdamW only), with its type=bool prodigy_* flags. */
  readonly prodigy: boolean;
  /** Has do_edm_style_training. */
  readonly edmStyleTraining: boolean;
  /** Crashes at the end (UnboundLocalError) with push_to_hub but no validation_prompt. */
  readonly pushToHubNeedsValidationPrompt: boolean;
  readonly memory: MemoryProfile;
  readonly console: ConsoleProfile;
}

export const SCRIPT_PROFILES: Readonly<Record<ScriptKind, ScriptProfile>> = {
  full: {
    kind: 'full',
    table: fullTable as RawArgTable,
    fileName: 'train_text_to_image_sdxl.py',
    label: 'Full fine-tune',
    noun: 'full fine-tune',
    trackerProjects: ['text2image-fine-tune-sdxl'],
    defaultOutputDir: 'sdxl-model-finetuned',
    schemaFile: 'full.schema.json',
    datasetArg: 'train_data_dir',
    eventScalars: 'train_loss',
    predictionTypes: ['epsilon', 'v_prediction', 'sample'],
    checkpointWeights: 'unet',
    finalWeightsFile: 'model_index.json',
    fixedColumns: { image_column: 'image', caption_column: 'text' },
    timestepBias: true,
    priorPreservation: false,
    prodigy: false,
    edmStyleTraining: false,
    pushToHubNeedsValidationPrompt: false,
    memory: {
      fullUnet: true,
      precomputesLatents: true,
      textEncodersResident: false,
      captionPromptsKeepTextEncoders: false,
      vaeAlwaysFp32: false,
    },
    console: { lossPostfix: 'step_loss', loadsPipelineBeforeValidationLog: false },
  },
  lora: {
    kind: 'lora',
    table: loraTable as RawArgTable,
    fileName: 'train_text_to_image_lora_sdxl.py',
    label: 'LoRA',
    noun: 'LoRA',
    trackerProjects: ['text2image-fine-tune'],
    defaultOutputDir: 'sd-model-finetuned-lora',
    schemaFile: 'lora.schema.json',
    datasetArg: 'train_data_dir',
    eventScalars: 'train_loss',
    predictionTypes: ['epsilon', 'v_prediction'],
    checkpointWeights: 'lora',
    finalWeightsFile: 'pytorch_lora_weights.safetensors',
    fixedColumns: null,
    timestepBias: false,
    priorPreservation: false,
    prodigy: false,
    edmStyleTraining: false,
    pushToHubNeedsValidationPrompt: true,
    memory: {
      fullUnet: false,
      precomputesLatents: false,
      textEncodersResident: true,
      captionPromptsKeepTextEncoders: false,
      vaeAlwaysFp32: false,
    },
    console: { lossPostfix: 'step_loss', loadsPipelineBeforeValidationLog: false },
  },
  'dreambooth-lora': {
    kind: 'dreambooth-lora',
    table: dreamboothTable as RawArgTable,
    fileName: 'train_dreambooth_lora_sdxl.py',
    label: 'DreamBooth LoRA',
    noun: 'DreamBooth LoRA',
    trackerProjects: ['dreambooth-lora-sd-xl', 'dreambooth-lora-playground'],
    defaultOutputDir: 'lora-dreambooth-model',
    schemaFile: 'dreambooth-lora.schema.json',
    datasetArg: 'instance_data_dir',
    eventScalars: 'loss and lr',
    predictionTypes: ['epsilon', 'v_prediction'],
    checkpointWeights: 'lora',
    finalWeightsFile: 'pytorch_lora_weights.safetensors',
    fixedColumns: null,
    timestepBias: false,
    priorPreservation: true,
    prodigy: true,
    edmStyleTraining: true,
    pushToHubNeedsValidationPrompt: false,
    memory: {
      fullUnet: false,
      precomputesLatents: false,
      textEncodersResident: false,
      captionPromptsKeepTextEncoders: true,
      vaeAlwaysFp32: true,
    },
    console: { ownBannerField: 'numBatchesEachEpoch', lossPostfix: 'loss', loadsPipelineBeforeValidationLog: true },
  },
};

/** Every tracker project name with the kind that logs under it, in kind order. */
export const TRACKER_PROJECTS: ReadonlyArray<readonly [string, ScriptKind]> = SCRIPT_KINDS.flatMap((kind) =>
  SCRIPT_PROFILES[kind].trackerProjects.map((project) => [project, kind] as const),
);

/**
 * The profile of a kind read from a file (run.json of another version may name one this version lacks): undefined for
 * anything not a kind, so callers keep their fallback.
 */
export function profileOfRecorded(kind: string | null | undefined): ScriptProfile | undefined {
  return kind && Object.prototype.hasOwnProperty.call(SCRIPT_PROFILES, kind) ? SCRIPT_PROFILES[kind as ScriptKind] : undefined;
}

/** A value per kind, from the profiles (for tables keyed by kind). */
export function byKind<T>(pick: (p: ScriptProfile) => T): Record<ScriptKind, T> {
  const out = {} as Record<ScriptKind, T>;
  for (const kind of SCRIPT_KINDS) out[kind] = pick(SCRIPT_PROFILES[kind]);
  return out;
}
