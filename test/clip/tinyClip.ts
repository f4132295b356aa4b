// A tiny CLIP-shaped model for tests, written as ONNX from TS with random (seeded) weights and the real input and output
// names and shapes of an optimum/transformers.js export:
//   vision_model.onnx: pixel_values [N,3,S,S] float → image_embeds [N,D]   (AveragePool → Flatten → MatMul → Tanh → MatMul)
//   text_model.onnx:   input_ids [N,77] int64 (+ attention_mask) → text_embeds [N,D]
//                      (Gather embedding → mean over the attended positions → Tanh → MatMul)
// plus preprocessor_config.json (S = 32) and a small BPE tokenizer, laid out as Xenova/clip-vit-base-patch32 is
// (tokenizer and preprocessor at the root, models under onnx/). The same math in plain TS (referenceImageEmbeds,
// referenceTextEmbeds) lets tests check the scorer's numbers.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, FLOAT, INT64, type Graph, type Node, type Tensor, type ValueInfo } from './onnxProto';
import { writeTinyTokenizer } from './tinyTokenizer';

export interface TinyClipOptions {
  /** Image side after preprocessing (size = crop_size). */
  size?: number;
  /** AveragePool kernel (size must be a multiple). */
  pool?: number;
  hidden?: number;
  dim?: number;
  /** The text model takes attention_mask (and pools over it); otherwise it averages all 77 positions. */
  attentionMask?: boolean;
  /** One model.onnx holding both (inputs input_ids, pixel_values[, attention_mask]) instead of two files. */
  combined?: boolean;
  seed?: number;
}

export interface TinyClip {
  dir: string;
  size: number;
  pool: number;
  hidden: number;
  dim: number;
  vocabSize: number;
  attentionMask: boolean;
  weights: { wv: Float32Array; pv: Float32Array; emb: Float32Array; pt: Float32Array };
}

export const TINY_MEAN: [number, number, number] = [0.5, 0.4, 0.3];
export const TINY_STD: [number, number, number] = [0.25, 0.2, 0.3];
const SEQ = 77;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(r: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function visionGraph(c: TinyClip): { nodes: Node[]; initializers: Tensor[]; inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const g = c.size / c.pool;
  const flat = 3 * g * g;
  return {
    nodes: [
      {
        op: 'AveragePool',
        inputs: ['pixel_values'],
        outputs: ['v_pool'],
        attrs: [
          { name: 'kernel_shape', ints: [c.pool, c.pool] },
          { name: 'strides', ints: [c.pool, c.pool] },
        ],
      },
      { op: 'Flatten', inputs: ['v_pool'], outputs: ['v_flat'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'MatMul', inputs: ['v_flat', 'v_w'], outputs: ['v_h'] },
      { op: 'Tanh', inputs: ['v_h'], outputs: ['v_t'] },
      { op: 'MatMul', inputs: ['v_t', 'v_proj'], outputs: ['image_embeds'] },
    ],
    initializers: [
      { name: 'v_w', dims: [flat, c.hidden], type: FLOAT, values: c.weights.wv },
      { name: 'v_proj', dims: [c.hidden, c.dim], type: FLOAT, values: c.weights.pv },
    ],
    inputs: [{ name: 'pixel_values', type: FLOAT, shape: ['batch_size', 3, c.size, c.size] }],
    outputs: [{ name: 'image_embeds', type: FLOAT, shape: ['batch_size', c.dim] }],
  };
}

function textGraph(c: TinyClip): { nodes: Node[]; initializers: Tensor[]; inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const nodes: Node[] = [{ op: 'Gather', inputs: ['t_emb', 'input_ids'], outputs: ['t_e'], attrs: [{ name: 'axis', i: 0 }] }];
  const initializers: Tensor[] = [
    { name: 't_emb', dims: [c.vocabSize, c.hidden], type: FLOAT, values: c.weights.emb },
    { name: 't_proj', dims: [c.hidden, c.dim], type: FLOAT, values: c.weights.pt },
  ];
  const inputs: ValueInfo[] = [{ name: 'input_ids', type: INT64, shape: ['batch_size', 'sequence_length'] }];
  if (c.attentionMask) {
    inputs.push({ name: 'attention_mask', type: INT64, shape: ['batch_size', 'sequence_length'] });
    initializers.push({ name: 't_axis1', dims: [1], type: INT64, values: [1] }, { name: 't_axis2', dims: [1], type: INT64, values: [2] });
    nodes.push(
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['t_mf'], attrs: [{ name: 'to', i: FLOAT }] },
      { op: 'Unsqueeze', inputs: ['t_mf', 't_axis2'], outputs: ['t_m3'] },
      { op: 'Mul', inputs: ['t_e', 't_m3'], outputs: ['t_em'] },
      { op: 'ReduceSum', inputs: ['t_em', 't_axis1'], outputs: ['t_sum'], attrs: [{ name: 'keepdims', i: 0 }] },
      { op: 'ReduceSum', inputs: ['t_mf', 't_axis1'], outputs: ['t_count'], attrs: [{ name: 'keepdims', i: 1 }] },
      { op: 'Div', inputs: ['t_sum', 't_count'], outputs: ['t_mean'] },
    );
  } else {
    nodes.push({
      op: 'ReduceMean',
      inputs: ['t_e'],
      outputs: ['t_mean'],
      attrs: [
        { name: 'axes', ints: [1] },
        { name: 'keepdims', i: 0 },
      ],
    });
  }
  nodes.push({ op: 'Tanh', inputs: ['t_mean'], outputs: ['t_t'] }, { op: 'MatMul', inputs: ['t_t', 't_proj'], outputs: ['text_embeds'] });
  return { nodes, initializers, inputs, outputs: [{ name: 'text_embeds', type: FLOAT, shape: ['batch_size', c.dim] }] };
}

function write(file: string, g: Graph): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, encodeModel(g));
}

/** Writes the tiny model folder `dir` and returns its weights for the reference computation. */
export function writeTinyClip(dir: string, options: TinyClipOptions = {}): TinyClip {
  const size = options.size ?? 32;
  const pool = options.pool ?? 8;
  const hidden = options.hidden ?? 16;
  const dim = options.dim ?? 8;
  writeTinyTokenizer(dir);
  const vocab = Object.keys(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as Record<string, number>).length;
  const r = rng(options.seed ?? 1234);
  const flat = 3 * (size / pool) ** 2;
  const c: TinyClip = {
    dir,
    size,
    pool,
    hidden,
    dim,
    vocabSize: vocab,
    attentionMask: options.attentionMask ?? true,
    weights: {
      wv: randomMatrix(r, flat * hidden, 1 / Math.sqrt(flat)),
      pv: randomMatrix(r, hidden * dim, 1),
      emb: randomMatrix(r, vocab * hidden, 1),
      pt: randomMatrix(r, hidden * dim, 1),
    },
  };
  writeFileSync(
    join(dir, 'preprocessor_config.json'),
    JSON.stringify({
      crop_size: { height: size, width: size },
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      image_mean: TINY_MEAN,
      image_std: TINY_STD,
      resample: 3,
      rescale_factor: 1 / 255,
      size: { shortest_edge: size },
    }),
  );
  const v = visionGraph(c);
  const t = textGraph(c);
  if (options.combined) {
    write(join(dir, 'onnx', 'model.onnx'), {
      name: 'tiny_clip',
      nodes: [...t.nodes, ...v.nodes],
      initializers: [...t.initializers, ...v.initializers],
      inputs: [t.inputs[0]!, v.inputs[0]!, ...t.inputs.slice(1)],
      outputs: [...t.outputs, ...v.outputs],
    });
  } else {
    write(join(dir, 'onnx', 'vision_model.onnx'), { name: 'tiny_clip_vision', ...v });
    write(join(dir, 'onnx', 'text_model.onnx'), { name: 'tiny_clip_text', ...t });
  }
  return c;
}

function matVec(x: ArrayLike<number>, w: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += x[i]! * w[i * cols + j]!;
  return out;
}

/** The vision model's math in plain TS: one image's pixel_values (3 × S × S, CHW) → its embedding. */
export function referenceImageEmbeds(c: TinyClip, pixels: Float32Array): Float64Array {
  const g = c.size / c.pool;
  const pooled: number[] = [];
  for (let ch = 0; ch < 3; ch++)
    for (let gy = 0; gy < g; gy++)
      for (let gx = 0; gx < g; gx++) {
        let s = 0;
        for (let y = 0; y < c.pool; y++) for (let x = 0; x < c.pool; x++) s += pixels[ch * c.size * c.size + (gy * c.pool + y) * c.size + gx * c.pool + x]!;
        pooled.push(s / (c.pool * c.pool));
      }
  const h = matVec(pooled, c.weights.wv, pooled.length, c.hidden).map(Math.tanh);
  return matVec(h, c.weights.pv, c.hidden, c.dim);
}

/** The text model's math in plain TS: 77 ids and their mask → the embedding. */
export function referenceTextEmbeds(c: TinyClip, ids: readonly number[], mask: readonly number[]): Float64Array {
  const mean = new Float64Array(c.hidden);
  let n = 0;
  for (let p = 0; p < SEQ; p++) {
    const m = c.attentionMask ? mask[p]! : 1;
    if (!m) continue;
    n += m;
    for (let k = 0; k < c.hidden; k++) mean[k]! += c.weights.emb[ids[p]! * c.hidden + k]! * m;
  }
  return matVec(
    mean.map((x) => Math.tanh(x / n)),
    c.weights.pt,
    c.hidden,
    c.dim,
  );
}

/** 100 × max(0, cos) of two embeddings, in float64. */
export function referenceScore(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return 100 * Math.max(0, ab / Math.sqrt(aa * bb));
}
