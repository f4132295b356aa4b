// Starting points for "SDXL: New Training Config…", chosen by script and GPU memory.
// Each preset is meant to validate clean and to fit its card by the memory estimator (a test checks both).
import type { SdxlConfig } from './config';
import { argHelp, SCRIPTS, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { estimateMemory } from './memoryEstimate';

export interface Preset {
  id: string;
  script: ScriptKind;
  label: string;
  /** GPU memory the preset is sized for, in GiB. */
  gpuGiB: number;
  detail: string;
  args: Record<string, ArgValue>;
}

const FP16_FIX_VAE = 'madebyollin/sdxl-vae-fp16-fix';
const BASE_MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';

const common = {
  pretrained_model_name_or_path: BASE_MODEL,
  resolution: 1024,
  seed: 42,
  report_to: 'tensorboard',
  checkpointing_steps: 500,
  checkpoints_total_limit: 3,
  lr_scheduler: 'constant',
  lr_warmup_steps: 0,
} as const;

export const PRESETS: readonly Preset[] = [
  // LoRA first (what most people start with, and what fits a consumer card), each kind by GPU size.
  {
    id: 'lora-8gb',
    script: 'lora',
    label: 'LoRA, 8 GB card',
    gpuGiB: 8,
    detail: 'fp16 with the fp16-fix VAE, 512 px, batch 1 × 4 accumulation, gradient checkpointing, 8-bit Adam, rank 4',
    args: {
      ...common,
      resolution: 512,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      train_data_dir: './data',
      caption_column: 'text',
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      mixed_precision: 'fp16',
      rank: 4,
      learning_rate: 1e-4,
      max_train_steps: 2000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      num_validation_images: 2,
      output_dir: './output/lora',
    },
  },
  {
    id: 'lora-12gb',
    script: 'lora',
    label: 'LoRA, 12 GB card',
    gpuGiB: 12,
    detail: 'fp16 with the fp16-fix VAE, batch 1 × 4 accumulation, gradient checkpointing, 8-bit Adam, rank 4',
    args: {
      ...common,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      train_data_dir: './data',
      caption_column: 'text',
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      mixed_precision: 'fp16',
      rank: 4,
      learning_rate: 1e-4,
      max_train_steps: 2000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      num_validation_images: 4,
      output_dir: './output/lora',
    },
  },
  {
    id: 'lora-16gb',
    script: 'lora',
    label: 'LoRA, 16 GB card',
    gpuGiB: 16,
    // fp16, not bf16: many 16 GB cards (T4, V100) have no bf16.
    detail: 'fp16 with the fp16-fix VAE, 1024 px, batch 1 × 4 accumulation, gradient checkpointing, AdamW (no bitsandbytes needed), rank 16',
    args: {
      ...common,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      train_data_dir: './data',
      caption_column: 'text',
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      mixed_precision: 'fp16',
      rank: 16,
      learning_rate: 1e-4,
      max_train_steps: 2000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      num_validation_images: 4,
      output_dir: './output/lora',
    },
  },
  {
    id: 'lora-24gb',
    script: 'lora',
    label: 'LoRA, 24 GB card',
    gpuGiB: 24,
    detail: 'bf16, batch 2 × 2 accumulation, gradient checkpointing, AdamW, rank 16',
    args: {
      ...common,
      train_data_dir: './data',
      train_batch_size: 2,
      gradient_accumulation_steps: 2,
      gradient_checkpointing: true,
      mixed_precision: 'bf16',
      rank: 16,
      learning_rate: 1e-4,
      max_train_steps: 2000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      num_validation_images: 4,
      output_dir: './output/lora',
    },
  },
  {
    id: 'dreambooth-lora-8gb',
    script: 'dreambooth-lora',
    label: 'DreamBooth LoRA, 8 GB card',
    gpuGiB: 8,
    detail: 'a few images of one subject; fp16 with the fp16-fix VAE, 768 px, batch 1 × 4, gradient checkpointing, 8-bit Adam, rank 4',
    args: {
      pretrained_model_name_or_path: BASE_MODEL,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      instance_data_dir: './instance-images',
      instance_prompt: 'a photo of sks dog',
      resolution: 768,
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      mixed_precision: 'fp16',
      rank: 4,
      learning_rate: 1e-4,
      lr_scheduler: 'constant',
      lr_warmup_steps: 0,
      max_train_steps: 500,
      checkpointing_steps: 100,
      validation_prompt: 'a photo of sks dog in a bucket',
      validation_epochs: 25,
      report_to: 'tensorboard',
      seed: 0,
      output_dir: './output/dreambooth-lora',
    },
  },
  {
    id: 'dreambooth-lora-16gb',
    script: 'dreambooth-lora',
    label: 'DreamBooth LoRA, 16 GB card',
    gpuGiB: 16,
    detail: 'a few images of one subject; fp16 with the fp16-fix VAE, batch 1 × 4, gradient checkpointing, 8-bit Adam',
    args: {
      pretrained_model_name_or_path: BASE_MODEL,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      instance_data_dir: './instance-images',
      instance_prompt: 'a photo of sks dog',
      resolution: 1024,
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      mixed_precision: 'fp16',
      learning_rate: 1e-4,
      lr_scheduler: 'constant',
      lr_warmup_steps: 0,
      max_train_steps: 500,
      checkpointing_steps: 100,
      validation_prompt: 'a photo of sks dog in a bucket',
      validation_epochs: 25,
      report_to: 'tensorboard',
      seed: 0,
      output_dir: './output/dreambooth-lora',
    },
  },
  {
    id: 'full-48gb',
    script: 'full',
    label: 'Full fine-tune, 48 GB card',
    gpuGiB: 48,
    detail: 'bf16, batch 1 × 4 accumulation, gradient checkpointing, 8-bit Adam',
    args: {
      ...common,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      train_data_dir: './data',
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      mixed_precision: 'bf16',
      learning_rate: 1e-6,
      max_train_steps: 10000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      output_dir: './output/full',
    },
  },
  {
    id: 'full-80gb',
    script: 'full',
    label: 'Full fine-tune, 80 GB card',
    gpuGiB: 80,
    detail: 'bf16, batch 4, gradient checkpointing, AdamW, EMA off',
    args: {
      ...common,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      train_data_dir: './data',
      train_batch_size: 4,
      gradient_accumulation_steps: 1,
      gradient_checkpointing: true,
      mixed_precision: 'bf16',
      learning_rate: 1e-6,
      max_train_steps: 10000,
      validation_prompt: 'a photo of a cat',
      validation_epochs: 1,
      output_dir: './output/full',
    },
  },
];

export function presetsFor(script: ScriptKind): Preset[] {
  return PRESETS.filter((p) => p.script === script);
}

/** The script kinds in the order "New Training Config" offers them: the LoRA ones first, as PRESETS lists them. */
export function presetScriptOrder(): ScriptKind[] {
  return [...new Set(PRESETS.map((p) => p.script))];
}

/**
 * The memory estimate of a preset, said with its basis (memoryEstimate.ts): the figure for SDXL base 1.0, the phase
 * that peaks, the attention it assumes, and that validation is not counted. Shown under the preset's name.
 */
export function presetMemoryNote(preset: Preset): string {
  const est = estimateMemory(configFromPreset(preset));
  const phase = /^Peak during the ([^:]+):/.exec(est.basis)?.[1] ?? 'training';
  const attention = est.assumptions.some((a) => a.includes('scaled-dot-product')) ? 'PyTorch 2 SDPA attention' : 'xformers attention';
  const freed = est.assumptions.some((a) => a.includes('text encoders freed')) ? '; text encoders freed after encoding the prompt' : '';
  return (
    `Estimated peak ${est.totalGiB.toFixed(1)} GiB of ${preset.gpuGiB} GB: SDXL base 1.0 weights, peak during the ${phase}, ` +
    `${attention}${freed}; validation not counted (docs/memory-estimate.md).`
  );
}

export function configFromPreset(preset: Preset, schemaRef?: string): SdxlConfig {
  return { ...(schemaRef ? { $schema: schemaRef } : {}), script: preset.script, args: { ...preset.args } };
}

function firstSentence(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  const m = /^(.{20,160}?[.!?])(\s|$)/.exec(one);
  return (m ? m[1]! : one.slice(0, 160)).replace(/\*\//g, '* /');
}

/**
 * Writes a config as commented JSONC: a header, the launch block, and one comment line of help above each argument,
 * so the file explains itself to someone who has never read the script's argparse table.
 */
export function renderConfig(config: SdxlConfig, header: string[] = []): string {
  const info = SCRIPTS[config.script];
  const lines: string[] = [];
  for (const h of header) lines.push(`// ${h}`);
  lines.push('{');
  if (config.$schema) lines.push(`  "$schema": ${JSON.stringify(config.$schema)},`);
  lines.push(`  // Which diffusers script this config drives: ${info.repoPath}`);
  lines.push(`  "script": ${JSON.stringify(config.script)},`);
  if (config.name) lines.push(`  "name": ${JSON.stringify(config.name)},`);
  const launch = config.launch ?? {};
  lines.push('  // How to start it: the Python environment, the script file and `accelerate launch` options.');
  const launchJson = JSON.stringify({ python: launch.python ?? 'python3', scriptPath: launch.scriptPath ?? info.fileName, ...launch }, null, 2).replace(
    /\n/g,
    '\n  ',
  );
  lines.push(`  "launch": ${launchJson},`);
  lines.push('  // The script\'s arguments, by their argparse names. Hover a name for its help; see "SDXL: Configure Argument…".');
  lines.push('  "args": {');
  const entries = Object.entries(config.args);
  entries.forEach(([key, value], i) => {
    const spec = info.byDest.get(key);
    if (spec) lines.push(`    // ${firstSentence(argHelp(spec))}`);
    lines.push(`    ${JSON.stringify(key)}: ${JSON.stringify(value)}${i < entries.length - 1 ? ',' : ''}`);
  });
  lines.push('  }');
  lines.push('}');
  return lines.join('\n') + '\n';
}
