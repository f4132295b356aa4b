import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateMemory, SDXL_UNET, textEncoderLoraParamsPerRank, unetLoraParamsPerRank, type AttentionKind } from '../../src/core/config/memoryEstimate';
import type { SdxlConfig } from '../../src/core/config/config';
import type { ScriptKind } from '../../src/core/scripts/scriptTables';

const cfg = (script: ScriptKind, args: SdxlConfig['args'] = {}): SdxlConfig => ({ script, args: { mixed_precision: 'fp16', ...args } });
const gib = (c: SdxlConfig, attention?: AttentionKind): number => estimateMemory(c, attention ? { attention } : {}).totalGiB;

test('LoRA parameter count follows from enumerating every targeted linear', () => {
  // Independent enumeration: per transformer block, (in, out) of to_q, to_k, to_v, to_out.0 in attn1 and attn2.
  let perRank = 0;
  for (const level of SDXL_UNET.transformerLevels) {
    const d = level.dim;
    const linears: Array<[number, number]> = [
      [d, d],
      [d, d],
      [d, d],
      [d, d],
      [d, d],
      [SDXL_UNET.crossAttentionDim, d],
      [SDXL_UNET.crossAttentionDim, d],
      [d, d],
    ];
    for (let b = 0; b < level.blocks; b++) for (const [i, o] of linears) perRank += i + o;
  }
  assert.equal(unetLoraParamsPerRank(), perRank);
  assert.equal(
    SDXL_UNET.transformerLevels.reduce((s, l) => s + l.blocks, 0),
    70,
    'SDXL base has 70 transformer blocks',
  );
  let te = 0;
  for (const t of SDXL_UNET.textEncoders) te += t.layers * 4 * (t.dim + t.dim);
  assert.equal(textEncoderLoraParamsPerRank(), te);
});

test('the breakdown adds up to the total', () => {
  for (const c of [cfg('full'), cfg('lora', { train_text_encoder: true }), cfg('dreambooth-lora', { with_prior_preservation: true })]) {
    const e = estimateMemory(c);
    const sum = e.breakdown.reduce((s, b) => s + b.gib, 0);
    assert.ok(Math.abs(sum - e.totalGiB) < 0.05, `${sum} vs ${e.totalGiB}`);
    assert.ok(e.basis.length > 20 && e.assumptions.length > 0);
  }
});

test('monotonic in the settings that should matter', () => {
  for (const script of ['full', 'lora', 'dreambooth-lora'] as const) {
    assert.ok(gib(cfg(script, { train_batch_size: 2 })) > gib(cfg(script, { train_batch_size: 1 })), `${script}: batch`);
    assert.ok(gib(cfg(script, { resolution: 1024 })) > gib(cfg(script, { resolution: 512 })), `${script}: resolution`);
    assert.ok(gib(cfg(script, { gradient_checkpointing: true })) < gib(cfg(script)), `${script}: checkpointing`);
    assert.ok(gib(cfg(script, { resolution: 768 }), 'naive') > gib(cfg(script, { resolution: 768 }), 'sdpa'), `${script}: naive attention`);
    assert.equal(gib(cfg(script), 'xformers'), gib(cfg(script), 'sdpa'), `${script}: xformers and SDPA are both memory-efficient`);
    assert.ok(gib(cfg(script, { mixed_precision: 'no' })) > gib(cfg(script)), `${script}: fp32`);
  }
  assert.ok(gib(cfg('full', { use_8bit_adam: true })) < gib(cfg('full')), '8-bit Adam');
  assert.ok(gib(cfg('full', { use_ema: true })) > gib(cfg('full')), 'EMA');
  assert.ok(gib(cfg('lora')) < gib(cfg('full')), 'LoRA < full');
  assert.ok(gib(cfg('dreambooth-lora')) < gib(cfg('full')), 'DreamBooth LoRA < full');
  assert.ok(gib(cfg('lora', { rank: 128 })) > gib(cfg('lora', { rank: 4 })), 'rank');
  assert.ok(gib(cfg('lora', { train_text_encoder: true })) > gib(cfg('lora')), 'text-encoder training');
  assert.ok(gib(cfg('dreambooth-lora', { with_prior_preservation: true })) > gib(cfg('dreambooth-lora')), 'prior preservation doubles the batch');
  const multi: SdxlConfig = { ...cfg('full'), launch: { accelerateArgs: { num_processes: 2 } } };
  assert.ok(gib(multi) > gib(cfg('full')), 'DDP buckets');
});

test('mixed precision from accelerateArgs counts; a bad value in args does not', () => {
  const viaLaunch: SdxlConfig = { script: 'lora', args: {}, launch: { accelerateArgs: { mixed_precision: 'bf16' } } };
  assert.equal(gib(viaLaunch), gib(cfg('lora', { mixed_precision: 'bf16' })));
  assert.equal(gib({ ...viaLaunch, args: { mixed_precision: 'fp17' } }), gib(viaLaunch));
  assert.doesNotThrow(() => estimateMemory({ script: 'lora', args: { resolution: 'big', train_batch_size: -3, rank: null } }));
});

// Published measurements, as listed with their sources in docs/memory-estimate.md ("Comparison with published
// measurements"). `min`/`max` are the bounds the statement implies, in GiB; `stated` with `tolerance` is a point figure.
const ANCHORS: Array<{ source: string; config: SdxlConfig; min?: number; max?: number; stated?: number; tolerance?: number }> = [
  {
    source: 'diffusers#6230 / #7114 (full, 512 px, 8-bit Adam): OOM on a V100, "requires 40GB"',
    config: cfg('full', {
      resolution: 512,
      train_batch_size: 1,
      gradient_accumulation_steps: 4,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      enable_xformers_memory_efficient_attention: true,
    }),
    min: 15.77,
    max: 40,
  },
  {
    source: 'diffusers#7146 (full, 256 px, EMA, 8-bit Adam): OOM on a 31.73 GiB V100',
    config: cfg('full', {
      resolution: 256,
      train_batch_size: 1,
      use_ema: true,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      enable_xformers_memory_efficient_attention: true,
    }),
    min: 31.73,
  },
  {
    source: 'diffusers README_sdxl (PR #4470): DreamBooth LoRA with checkpointing, xformers, 8-bit Adam "< 16GB", free Colab T4',
    config: cfg('dreambooth-lora', {
      resolution: 1024,
      train_batch_size: 1,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      enable_xformers_memory_efficient_attention: true,
    }),
    max: 15,
  },
  {
    source: 'diffusers README_sdxl: DreamBooth LoRA experiments on a single 40GB A100',
    config: cfg('dreambooth-lora', { resolution: 1024, train_batch_size: 1, gradient_accumulation_steps: 4 }),
    max: 40,
  },
  {
    source: 'kohya-ss/sd-scripts#827: LoRA rank 32, 1024 px, xformers, no checkpointing, fits a 24 GB RTX 3090 Ti',
    config: cfg('lora', { resolution: 1024, train_batch_size: 1, rank: 32, enable_xformers_memory_efficient_attention: true }),
    max: 24,
  },
  {
    source: 'kohya sd-scripts docs/train_SDXL-en.md: LoRA "8GB" with checkpointing, 8-bit optimizer, cached text-encoder outputs, dim 8',
    config: cfg('dreambooth-lora', { resolution: 1024, train_batch_size: 1, rank: 8, gradient_checkpointing: true, use_8bit_adam: true }),
    stated: 8 / 1.073741824,
    tolerance: 0.15,
  },
];

for (const a of ANCHORS) {
  test(`anchor: ${a.source}`, () => {
    const e = gib(a.config);
    if (a.min !== undefined) assert.ok(e > a.min, `${e} GiB should exceed ${a.min}`);
    if (a.max !== undefined) assert.ok(e <= a.max, `${e} GiB should be at most ${a.max}`);
    if (a.stated !== undefined) assert.ok(Math.abs(e - a.stated) / a.stated <= a.tolerance!, `${e} GiB vs ${a.stated.toFixed(2)}`);
  });
}

test('state memory matches the derived rows of the anchors (41.1 GB AdamW, 25.7 GB 8-bit)', () => {
  const states = (c: SdxlConfig): number =>
    estimateMemory(c)
      .breakdown.filter((b) => /^(UNet weights|Gradients|Optimizer state)/.test(b.label))
      .reduce((s, b) => s + b.gib, 0) * 1.073741824;
  assert.ok(Math.abs(states(cfg('full')) - 41.1) / 41.1 < 0.01);
  assert.ok(Math.abs(states(cfg('full', { use_8bit_adam: true })) - 25.7) / 25.7 < 0.01);
});
