// Peak GPU memory of one training process, from the config alone. The model and its calibration are described in
// docs/memory-estimate.md; the constants below are derived there from SDXL's architecture, not fitted blindly.
import type { SdxlConfig } from './config';
import { SCRIPTS, type ArgValue } from '../scripts/scriptTables';
import { SCRIPT_PROFILES } from '../scripts/profiles';

export type AttentionKind = 'sdpa' | 'xformers' | 'naive';

export interface MemoryEstimate {
  /** Estimated peak per GPU, GiB (2^30 bytes). */
  totalGiB: number;
  breakdown: Array<{ label: string; gib: number }>;
  basis: string;
  assumptions: string[];
}

export interface EstimateOptions {
  /** Attention implementation. Default: xformers when the config enables it, else PyTorch 2 SDPA. */
  attention?: AttentionKind;
}

// Parameter counts of stabilityai/stable-diffusion-xl-base-1.0 (docs/memory-estimate.md, "Parameter counts").
export const SDXL_PARAMS = {
  unet: 2_567_463_684,
  textEncoder1: 123_060_480, // CLIP ViT-L
  textEncoder2: 694_659_840, // OpenCLIP ViT-bigG with projection
  vae: 83_653_863,
} as const;

/**
 * SDXL UNet layout, from its diffusers config: block_out_channels [320, 640, 1280], down blocks
 * [DownBlock2D, CrossAttnDown, CrossAttnDown] with layers_per_block 2, transformer_layers_per_block [1, 2, 10],
 * a mid block with 10 transformer layers at 1280, up blocks mirror the down blocks with 3 layers each,
 * attention_head_dim [5, 10, 20] (really the head counts; 64 channels per head), cross_attention_dim 2048.
 * `div` is the spatial downsampling of that level relative to the latent.
 */
export const SDXL_UNET = {
  crossAttentionDim: 2048,
  transformerLevels: [
    // 640: down 2 attentions x 2 layers + up 3 x 2 = 10 blocks, in 2 + 3 Transformer2DModels.
    { dim: 640, heads: 10, div: 2, blocks: 2 * 2 + 3 * 2, wrappers: 5 },
    // 1280: down 2 x 10 + mid 1 x 10 + up 3 x 10 = 60 blocks, in 2 + 1 + 3 Transformer2DModels.
    { dim: 1280, heads: 20, div: 4, blocks: 2 * 10 + 10 + 3 * 10, wrappers: 6 },
  ],
  // Resnets: 2 down + 3 up per level, plus 2 in the mid block at 1280.
  resnetLevels: [
    { channels: 320, div: 1, count: 5 },
    { channels: 640, div: 2, count: 5 },
    { channels: 1280, div: 4, count: 7 },
  ],
  textEncoders: [
    { dim: 768, layers: 12 }, // CLIP ViT-L/14
    { dim: 1280, layers: 32 }, // OpenCLIP ViT-bigG/14
  ],
} as const;

/**
 * LoRA parameters per unit of rank on the UNet's to_q, to_k, to_v, to_out.0 (what the LoRA scripts target).
 * A LoRA on a Linear(in, out) adds A (r x in) and B (out x r): r * (in + out) parameters. Per transformer block of width d:
 * self-attention has four d -> d linears (8d); cross-attention has to_q and to_out d -> d (4d) and to_k, to_v 2048 -> d
 * (2 * (2048 + d)); together r * (14d + 4096). Summed: 10 blocks at 640 and 60 at 1280 give 1 451 520 per rank.
 */
export function unetLoraParamsPerRank(): number {
  let total = 0;
  for (const l of SDXL_UNET.transformerLevels) total += l.blocks * (14 * l.dim + 2 * SDXL_UNET.crossAttentionDim);
  return total;
}

/** Text-encoder LoRA (q_proj, k_proj, v_proj, out_proj, each d -> d): 8d per layer per rank; 401 408 per rank for both. */
export function textEncoderLoraParamsPerRank(): number {
  return SDXL_UNET.textEncoders.reduce((s, t) => s + 8 * t.dim * t.layers, 0);
}

// Bytes kept for backward, per element of a layer's width x tokens, at 2-byte activations (derivation in the doc).
const BLOCK_BYTES = 64; // one BasicTransformerBlock: LayerNorms (fp32 under autocast), q/k/v/out, GEGLU feed-forward
const WRAPPER_BYTES = 10; // Transformer2DModel's GroupNorm, proj_in, proj_out
const RESNET_BYTES = 21; // ResnetBlock2D: two GroupNorm+SiLU (fp32) + conv inputs + dropout mask
const CHECKPOINT_INPUT_BYTES = 2; // gradient checkpointing keeps only each block's input
const NAIVE_ATTENTION_BYTES = 6; // naive attention keeps softmax output (fp32) and its fp16 cast: heads x N^2
const MISC_FACTOR = 1.1; // conv_in/out, down/upsamplers, time embeddings, activation gradients in flight
const VAE_ENCODE_MAPS = 4; // the VAE encoder holds about four 128-channel full-resolution maps at once
const TEXT_TOKENS = 77;
const CUDA_CONTEXT_GIB = 0.75; // CUDA context, cuBLAS/cuDNN workspaces (what nvidia-smi shows beyond PyTorch)
const ALLOCATOR_SLACK = 0.05; // caching allocator: reserved but unallocated blocks
const GIB = 1024 ** 3;

/** Bytes of UNet activations kept for one sample's backward pass. */
export function unetActivationBytes(resolution: number, gradientCheckpointing: boolean, attention: AttentionKind, activationBytes: 2 | 4): number {
  const h = resolution / 8; // latent side
  const scale = activationBytes / 2;
  let kept = 0;
  let largestBlock = 0;
  for (const l of SDXL_UNET.transformerLevels) {
    const n = (h / l.div) ** 2;
    const nd = n * l.dim;
    const naive = attention === 'naive' ? NAIVE_ATTENTION_BYTES * l.heads * (n * n + n * TEXT_TOKENS) : 0;
    const block = BLOCK_BYTES * nd * scale + naive;
    largestBlock = Math.max(largestBlock, block);
    kept += l.wrappers * WRAPPER_BYTES * nd * scale;
    kept += l.blocks * (gradientCheckpointing ? CHECKPOINT_INPUT_BYTES * nd * scale : block);
  }
  for (const r of SDXL_UNET.resnetLevels) {
    const chw = r.channels * (h / r.div) ** 2;
    const block = RESNET_BYTES * chw * scale;
    largestBlock = Math.max(largestBlock, block);
    kept += r.count * (gradientCheckpointing ? CHECKPOINT_INPUT_BYTES * chw * scale : block);
  }
  // With checkpointing, backward recomputes one block at a time on top of what is kept.
  return (kept + (gradientCheckpointing ? largestBlock : 0)) * MISC_FACTOR;
}

function num(v: ArgValue | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

export function estimateMemory(config: SdxlConfig, options: EstimateOptions = {}): MemoryEstimate {
  const script = config.script;
  const specs = SCRIPTS[script].byDest;
  const profile = SCRIPT_PROFILES[script];
  const model = profile.memory;
  const args = config.args ?? {};
  const arg = (dest: string): ArgValue | undefined => (args[dest] ?? specs.get(dest)?.default ?? undefined) as ArgValue | undefined;
  const flag = (dest: string): boolean => specs.has(dest) && args[dest] === true;
  const assumptions: string[] = [];

  const resolution = num(arg('resolution'), 1024);
  const batch = Math.floor(num(arg('train_batch_size'), 1));
  const gc = flag('gradient_checkpointing');
  const own = args.mixed_precision;
  const mpArg = own === 'no' || own === 'fp16' || own === 'bf16' ? own : config.launch?.accelerateArgs?.mixed_precision;
  const mixed = mpArg === 'fp16' || mpArg === 'bf16' || mpArg === 'fp8';
  if (mpArg === undefined)
    assumptions.push('No mixed_precision in args or launch.accelerateArgs: assumed "no" (fp32); an accelerate config file may say otherwise.');
  if (mpArg === 'fp8') assumptions.push('fp8 is counted like bf16.');
  const weightBytes = mixed ? 2 : 4;
  const attention: AttentionKind = options.attention ?? (flag('enable_xformers_memory_efficient_attention') ? 'xformers' : 'sdpa');
  if (attention === 'sdpa')
    assumptions.push(
      'PyTorch 2 scaled-dot-product attention (memory-efficient kernels); with PyTorch 1 and no xformers, attention memory grows with the square of the token count.',
    );
  const processes = num(config.launch?.accelerateArgs?.num_processes as ArgValue | undefined, 1);
  const ddp = processes > 1 || config.launch?.accelerateArgs?.multi_gpu === true;

  const optimizerName = profile.prodigy && typeof arg('optimizer') === 'string' && String(arg('optimizer')).toLowerCase() === 'prodigy' ? 'prodigy' : 'adamw';
  const eightBit = optimizerName === 'adamw' && flag('use_8bit_adam');
  const stateBytes = optimizerName === 'prodigy' ? 16 : eightBit ? 2 : 8;
  const optimizerLabel = optimizerName === 'prodigy' ? 'Prodigy, 4 fp32 states' : eightBit ? '8-bit AdamW, 2 states of 1 byte' : 'AdamW, 2 fp32 states';

  const resident: Array<[string, number]> = [];
  let trainable: number;
  const teTrained = !model.fullUnet && flag('train_text_encoder');
  const prior = profile.priorPreservation && flag('with_prior_preservation');
  const unetBatch = batch * (prior ? 2 : 1);

  if (model.fullUnet) {
    trainable = SDXL_PARAMS.unet;
    resident.push(['UNet weights (fp32, trained)', trainable * 4]);
    if (flag('use_ema')) resident.push(['EMA copy of the UNet (fp32)', trainable * 4]);
    assumptions.push('Full script: text embeddings and VAE latents are pre-computed, then the text encoders and VAE are freed before training.');
  } else {
    const rank = Math.floor(num(arg('rank'), 4));
    trainable = rank * unetLoraParamsPerRank() + (teTrained ? rank * textEncoderLoraParamsPerRank() : 0);
    resident.push([`UNet weights (${mixed ? String(mpArg) : 'fp32'}, frozen)`, SDXL_PARAMS.unet * weightBytes]);
    resident.push([`LoRA adapters (rank ${rank}${teTrained ? ', UNet + text encoders' : ''}, fp32)`, trainable * 4]);
    const customPrompts = model.captionPromptsKeepTextEncoders && typeof args.caption_column === 'string' && typeof args.dataset_name === 'string';
    const tesResident = model.textEncodersResident || teTrained || customPrompts;
    if (tesResident) resident.push([`Text encoders (${mixed ? String(mpArg) : 'fp32'})`, (SDXL_PARAMS.textEncoder1 + SDXL_PARAMS.textEncoder2) * weightBytes]);
    else assumptions.push('DreamBooth with one instance prompt and no text-encoder training: prompts are encoded once and the text encoders freed.');
    const vaeFp32 = model.vaeAlwaysFp32 || typeof args.pretrained_vae_model_name_or_path !== 'string';
    resident.push([`VAE (${vaeFp32 ? 'fp32' : String(mpArg ?? 'fp32')})`, SDXL_PARAMS.vae * (vaeFp32 ? 4 : weightBytes)]);
  }
  resident.push(['Gradients (fp32)', trainable * 4]);
  resident.push([`Optimizer state (${optimizerLabel})`, trainable * stateBytes]);
  if (ddp) resident.push(['DDP gradient buckets (multi-GPU)', trainable * 4]);

  // Transient phases: the peak is the largest of them on top of what stays resident.
  const backward: Array<[string, number]> = [];
  const act = unetActivationBytes(resolution, gc, attention, mixed ? 2 : 4) * unetBatch;
  backward.push([
    `UNet activations (${resolution}px, batch ${unetBatch}${prior ? ' incl. class images' : ''}, ${gc ? 'checkpointed' : 'no checkpointing'}, ${attention})`,
    act,
  ]);
  if (model.fullUnet && mixed && !gc) backward.push(['Autocast half-precision copies of the fp32 UNet weights', SDXL_PARAMS.unet * 2]);
  if (teTrained) {
    const teNd = SDXL_UNET.textEncoders.reduce((s, t) => s + TEXT_TOKENS * t.dim * t.layers, 0);
    backward.push(['Text-encoder activations', BLOCK_BYTES * teNd * (mixed ? 1 : 2) * unetBatch]);
  }
  const step: Array<[string, number]> = optimizerName === 'adamw' && !eightBit ? [['AdamW step temporaries (foreach)', trainable * 4]] : [];
  const vae: Array<[string, number]> = [];
  if (!model.precomputesLatents) {
    const vaeBytes = model.vaeAlwaysFp32 || typeof args.pretrained_vae_model_name_or_path !== 'string' ? 4 : weightBytes;
    vae.push(['VAE encoding of the batch', VAE_ENCODE_MAPS * 128 * resolution * resolution * unetBatch * vaeBytes]);
  }
  const phases = [
    { name: 'backward pass', items: backward },
    { name: 'optimizer step', items: step },
    { name: 'VAE encoding', items: vae },
  ];
  const sum = (items: Array<[string, number]>): number => items.reduce((s, [, b]) => s + b, 0);
  const peak = phases.reduce((a, b) => (sum(b.items) > sum(a.items) ? b : a));

  const allocated = sum(resident) + sum(peak.items);
  const all: Array<[string, number]> = [
    ...resident,
    ...peak.items,
    ['Allocator slack (5%)', allocated * ALLOCATOR_SLACK],
    ['CUDA context and library workspaces', CUDA_CONTEXT_GIB * GIB],
  ];
  const breakdown = all.filter(([, b]) => b > 0).map(([label, b]) => ({ label, gib: round(b / GIB) }));
  const totalGiB = round(all.reduce((s, [, b]) => s + b, 0) / GIB);
  if (ddp) assumptions.push(`Per GPU, with ${processes} processes: DDP replicates everything and adds gradient buckets.`);
  if (prior) assumptions.push('Class-image generation before training (a separate, smaller phase) is not included.');
  assumptions.push('Validation (pipeline inference at 1024 px) is not included; it usually peaks lower than training.');
  return {
    totalGiB,
    breakdown,
    basis:
      `Peak during the ${peak.name}: CUDA context + resident weights, gradients and optimizer state + the largest transient phase ` +
      `(backward activations, optimizer step or VAE encoding) + 5% allocator slack; SDXL base parameter counts. See docs/memory-estimate.md.`,
    assumptions,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The numbers the estimate reads from a config, as JSON paths. */
const NUMERIC_INPUTS: ReadonlyArray<readonly ['args' | 'accelerateArgs', string]> = [
  ['args', 'resolution'],
  ['args', 'train_batch_size'],
  ['args', 'rank'],
  ['accelerateArgs', 'num_processes'],
];

export interface AbsurdInput {
  /** `args.resolution`, `launch.accelerateArgs.num_processes`. */
  key: string;
  value: number;
  why: 'infinite' | 'overflow';
}

/**
 * The config's numbers that leave the estimate without a value: any that JSON read as ±Infinity (a literal such as
 * 1e400; the estimate would quietly use the default instead), and, when the estimate is not finite, the ones whose
 * size makes it overflow (those that alone bring it back when left at their default; else every number it reads).
 */
export function absurdEstimateInputs(config: SdxlConfig, options: EstimateOptions = {}): AbsurdInput[] {
  const args = (config.args ?? {}) as Record<string, unknown>;
  const acc = (config.launch?.accelerateArgs ?? {}) as Record<string, unknown>;
  const found: AbsurdInput[] = [];
  const finiteSet: Array<{ key: string; value: number; without: SdxlConfig }> = [];
  for (const [where, dest] of NUMERIC_INPUTS) {
    const from = where === 'args' ? args : acc;
    const value = from[dest];
    if (typeof value !== 'number') continue;
    const key = where === 'args' ? `args.${dest}` : `launch.accelerateArgs.${dest}`;
    if (!Number.isFinite(value)) {
      found.push({ key, value, why: 'infinite' });
      continue;
    }
    const { [dest]: _omitted, ...rest } = from;
    const without: SdxlConfig =
      where === 'args' ? { ...config, args: rest as SdxlConfig['args'] } : { ...config, launch: { ...config.launch, accelerateArgs: rest } };
    finiteSet.push({ key, value, without });
  }
  const finite = (c: SdxlConfig): boolean => {
    const est = estimateMemory(c, options);
    return Number.isFinite(est.totalGiB) && est.breakdown.every((b) => Number.isFinite(b.gib));
  };
  if (finite(config)) return found;
  const culprits = finiteSet.filter((f) => finite(f.without));
  for (const f of culprits.length > 0 ? culprits : finiteSet) found.push({ key: f.key, value: f.value, why: 'overflow' });
  return found;
}
