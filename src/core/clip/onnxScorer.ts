// CLIP scores with ONNX Runtime on the CPU: vision_model.onnx (pixel_values → image_embeds) and text_model.onnx
// (input_ids [+ attention_mask] → text_embeds), or one model.onnx with both. Lazy: onnxruntime-node (a native addon of
// ~30 MB) is imported, and the sessions created, on the first score, so that merely constructing a scorer costs
// nothing. In the editor this runs in a worker thread (clipWorkerClient.ts), never on the extension host's thread.
import { availableParallelism } from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ClipModelFiles } from './clipModelDir';
import { loadImageConfig, OPENAI_CLIP_IMAGE, preprocessImages, type ClipImageConfig } from './preprocess';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer';
import { CLIP_MAX_POSITIONS, type ClipScore, type ImageTextScorer } from './types';

export interface ClipScorerOptions {
  files: ClipModelFiles;
  /** ONNX Runtime's intra-op threads (default: 2, or 1 on a one-core machine). */
  threads?: number;
  /** Images per vision-model run (default 8). */
  batchSize?: number;
}

type Ort = typeof import('onnxruntime-node');

interface Loaded {
  ort: Ort;
  tokenizer: ClipTokenizer;
  image: ClipImageConfig;
  vision: InferenceSession;
  text: InferenceSession;
  /** Both are the same session for a combined model.onnx. */
  combined: boolean;
}

export function createClipScorer(options: ClipScorerOptions): ImageTextScorer {
  return new OnnxClipScorer(options);
}

function abortError(signal: AbortSignal): Error {
  const e = new Error(signal.reason instanceof Error ? signal.reason.message : 'CLIP scoring was cancelled');
  e.name = 'AbortError';
  return e;
}

function check(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

class OnnxClipScorer implements ImageTextScorer {
  private loaded: Promise<Loaded> | undefined;
  private disposed = false;

  constructor(private readonly options: ClipScorerOptions) {}

  async score(images: readonly string[], text: string, signal?: AbortSignal): Promise<ClipScore[]> {
    if (images.length === 0) return [];
    const m = await this.load(signal);
    const [t] = await this.embedTexts(m, [text], signal);
    const imgs = await this.embedImages(m, images, signal);
    return imgs.map((e) => scoreOf(e, t!));
  }

  async scorePairs(images: readonly string[], texts: readonly string[], signal?: AbortSignal): Promise<ClipScore[]> {
    if (images.length !== texts.length) throw new Error(`scorePairs: ${images.length} images but ${texts.length} texts`);
    if (images.length === 0) return [];
    const m = await this.load(signal);
    // Each distinct text once (a dataset often repeats a caption or a trigger phrase).
    const distinct = Array.from(new Set(texts));
    const embedded = await this.embedTexts(m, distinct, signal);
    const byText = new Map(distinct.map((t, i) => [t, embedded[i]!]));
    const imgs = await this.embedImages(m, images, signal);
    return imgs.map((e, i) => scoreOf(e, byText.get(texts[i]!)!));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const loaded = this.loaded;
    this.loaded = undefined;
    const m = await loaded?.catch(() => undefined);
    if (!m) return;
    await m.vision.release();
    if (!m.combined) await m.text.release();
  }

  private load(signal: AbortSignal | undefined): Promise<Loaded> {
    check(signal);
    if (this.disposed) return Promise.reject(new Error('the CLIP scorer has been disposed'));
    this.loaded ??= this.open();
    // A failed load is not kept: the next call tries again (the files may have been fixed).
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }

  private async open(): Promise<Loaded> {
    const f = this.options.files;
    const ort: Ort = await import('onnxruntime-node');
    const threads = this.options.threads ?? Math.max(1, Math.min(2, availableParallelism()));
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    };
    const open = async (file: string): Promise<InferenceSession> => {
      try {
        return await ort.InferenceSession.create(file, sessionOptions);
      } catch (e) {
        throw new Error(`CLIP model ${file}: ONNX Runtime cannot load it: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    const [tokenizer, image] = await Promise.all([
      loadClipTokenizer(f.tokenizerDir),
      f.preprocessorConfig ? loadImageConfig(f.preprocessorConfig) : OPENAI_CLIP_IMAGE,
    ]);
    let vision: InferenceSession;
    let text: InferenceSession;
    if (f.combined) {
      vision = text = await open(f.combined);
    } else if (f.vision && f.text) {
      vision = await open(f.vision);
      text = await open(f.text);
    } else {
      throw new Error(`CLIP model ${f.dir}: needs vision_model.onnx and text_model.onnx, or model.onnx`);
    }
    const need = (s: InferenceSession, file: string, input: string, output: string): void => {
      if (!s.inputNames.includes(input) || !s.outputNames.includes(output)) {
        throw new Error(
          `CLIP model ${file}: expected input ${input} and output ${output}; it has inputs ${s.inputNames.join(', ')} and outputs ${s.outputNames.join(', ')}`,
        );
      }
    };
    need(vision, f.combined ?? f.vision ?? f.dir, 'pixel_values', 'image_embeds');
    need(text, f.combined ?? f.text ?? f.dir, 'input_ids', 'text_embeds');
    return { ort, tokenizer, image, vision, text, combined: !!f.combined };
  }

  private idsTensor(m: Loaded, name: string, rows: readonly number[][]): Tensor {
    const meta = m.text.inputMetadata.find((x) => x.name === name);
    const n = rows.length;
    const len = rows[0]?.length ?? CLIP_MAX_POSITIONS;
    if (meta?.isTensor && meta.type === 'int32') return new m.ort.Tensor('int32', Int32Array.from(rows.flat()), [n, len]);
    return new m.ort.Tensor(
      'int64',
      BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
      [n, len],
    );
  }

  private textFeeds(m: Loaded, texts: readonly string[]): Record<string, Tensor> {
    const inputs = texts.map((t) => m.tokenizer.encodeForModel(t, CLIP_MAX_POSITIONS));
    const feeds: Record<string, Tensor> = {
      input_ids: this.idsTensor(
        m,
        'input_ids',
        inputs.map((i) => i.inputIds),
      ),
    };
    if (m.text.inputNames.includes('attention_mask'))
      feeds.attention_mask = this.idsTensor(
        m,
        'attention_mask',
        inputs.map((i) => i.attentionMask),
      );
    return feeds;
  }

  private pixelTensor(m: Loaded, pixels: Float32Array, n: number): Tensor {
    return new m.ort.Tensor('float32', pixels, [n, 3, m.image.cropHeight, m.image.cropWidth]);
  }

  private async embedTexts(m: Loaded, texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const batch = 32;
    for (let i = 0; i < texts.length; i += batch) {
      check(signal);
      const chunk = texts.slice(i, i + batch);
      const feeds = this.textFeeds(m, chunk);
      // A combined model wants an image too: one black image, whose embedding is not used.
      if (m.combined) feeds.pixel_values = this.pixelTensor(m, new Float32Array(3 * m.image.cropHeight * m.image.cropWidth), 1);
      const result = await m.text.run(feeds, ['text_embeds']);
      out.push(...rowsOf(result.text_embeds, chunk.length, 'text_embeds'));
    }
    return out;
  }

  private async embedImages(m: Loaded, images: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const batch = Math.max(1, this.options.batchSize ?? 8);
    for (let i = 0; i < images.length; i += batch) {
      check(signal);
      const chunk = images.slice(i, i + batch);
      const pixels = await preprocessImages(chunk, m.image);
      check(signal);
      const feeds: Record<string, Tensor> = { pixel_values: this.pixelTensor(m, pixels, chunk.length) };
      if (m.combined) Object.assign(feeds, this.textFeeds(m, ['']));
      const result = await m.vision.run(feeds, ['image_embeds']);
      out.push(...rowsOf(result.image_embeds, chunk.length, 'image_embeds'));
    }
    return out;
  }
}

/** The N rows of an [N, D] float output, each normalised to unit length. */
function rowsOf(t: Tensor | undefined, n: number, name: string): Float32Array[] {
  if (!t || t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== n) {
    throw new Error(`the CLIP model's ${name} is ${t ? `${t.type} [${t.dims.join(', ')}]` : 'missing'}, not float32 [${n}, D]`);
  }
  const d = t.dims[1]!;
  const data = t.data as Float32Array;
  const rows: Float32Array[] = [];
  for (let r = 0; r < n; r++) rows.push(normalise(data.slice(r * d, (r + 1) * d)));
  return rows;
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  if (!(norm > 0) || !Number.isFinite(norm)) return v.fill(0);
  return v.map((x) => x / norm);
}

/** torchmetrics' CLIP score of unit vectors: 100 × max(0, cos). */
export function scoreOf(a: Float32Array, b: Float32Array): ClipScore {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 100 * Math.min(1, Math.max(0, dot));
}
